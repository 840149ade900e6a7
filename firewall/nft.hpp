// The one owner of a libnftables context, for what lists the table as nft does (read_table(),
// tests, tools); changes go through nfnl.hpp. libnftables is loaded with dlopen() at the
// first open(), so that no runtime maps it to add or remove rules (it and its dependencies,
// libjansson, libxtables..., weigh more than the runtime itself).
#pragma once

#include <string>
#include <string_view>

#include "base/error.hpp"

struct nft_ctx;

namespace mr::firewall {

class Nft {
 public:
  // A context whose netlink socket is opened in the calling thread's network namespace;
  // JSON output, output and errors kept in buffers.
  static Result<Nft> open();
  Nft(Nft&& o) noexcept;
  Nft& operator=(Nft&& o) noexcept;
  Nft(const Nft&) = delete;
  Nft& operator=(const Nft&) = delete;
  ~Nft();

  // Runs `commands` (nft syntax, or a JSON {"nftables": [...]} document) as one
  // nft_run_cmd_from_buffer(): one batch, one kernel transaction for all its changes.
  // Returns what nft printed. On failure the error carries nft's first line and an errno
  // read from it (EEXIST, ENOENT...) when it names one.
  Result<std::string> run(const std::string& commands);

 private:
  explicit Nft(nft_ctx* ctx) : ctx_(ctx) {}
  nft_ctx* ctx_ = nullptr;
};

}  // namespace mr::firewall

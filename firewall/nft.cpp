#include "firewall/nft.hpp"

#include <dlfcn.h>
#include <nftables/libnftables.h>

#include <cstring>
#include <mutex>
#include <utility>

namespace mr::firewall {

namespace {

// The functions of libnftables we call, with the header's own types.
struct Api {
  decltype(&::nft_ctx_new) ctx_new = nullptr;
  decltype(&::nft_ctx_free) ctx_free = nullptr;
  decltype(&::nft_ctx_output_set_flags) output_set_flags = nullptr;
  decltype(&::nft_ctx_buffer_output) buffer_output = nullptr;
  decltype(&::nft_ctx_buffer_error) buffer_error = nullptr;
  decltype(&::nft_ctx_get_output_buffer) get_output_buffer = nullptr;
  decltype(&::nft_ctx_get_error_buffer) get_error_buffer = nullptr;
  decltype(&::nft_run_cmd_from_buffer) run_cmd_from_buffer = nullptr;
};

// Loaded once per process and never unloaded: contexts may outlive any one caller.
Result<const Api*> api() {
  static Api loaded;
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] {
    void* lib = ::dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      failure = std::string("load libnftables.so.1 (Debian package libnftables1): ") + ::dlerror();
      return;
    }
    auto sym = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(lib, name));
      if (!fn && failure.empty()) failure = std::string("libnftables.so.1 has no ") + name;
    };
    sym(loaded.ctx_new, "nft_ctx_new");
    sym(loaded.ctx_free, "nft_ctx_free");
    sym(loaded.output_set_flags, "nft_ctx_output_set_flags");
    sym(loaded.buffer_output, "nft_ctx_buffer_output");
    sym(loaded.buffer_error, "nft_ctx_buffer_error");
    sym(loaded.get_output_buffer, "nft_ctx_get_output_buffer");
    sym(loaded.get_error_buffer, "nft_ctx_get_error_buffer");
    sym(loaded.run_cmd_from_buffer, "nft_run_cmd_from_buffer");
  });
  if (!failure.empty()) return fail(ELIBACC, failure);
  return &loaded;
}

// nft reports a kernel refusal as "Error: Could not process rule: File exists" and its
// own checks in words; the errno is read back from the strerror() text when there is one.
int errno_in(std::string_view text) {
  for (int e : {EEXIST, ENOENT, EBUSY, EINVAL, EPERM, ENOMEM, EOPNOTSUPP, ENOSPC, E2BIG, ERANGE})
    if (text.find(std::strerror(e)) != std::string_view::npos) return e;
  return EINVAL;
}

}  // namespace

Result<Nft> Nft::open() {
  const Api* nft = MR_TRY_VALUE(api());
  nft_ctx* ctx = nft->ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) return fail(ENOMEM, "make a libnftables context");
  Nft owner(ctx);
  // JSON output also makes nft 1.0.6 parse JSON input (it tries JSON, then nft syntax).
  nft->output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
  if (nft->buffer_output(ctx) != 0 || nft->buffer_error(ctx) != 0)
    return fail(ENOMEM, "buffer libnftables output");
  return owner;
}

Nft::Nft(Nft&& o) noexcept : ctx_(std::exchange(o.ctx_, nullptr)) {}

Nft& Nft::operator=(Nft&& o) noexcept {
  if (this != &o) {
    this->~Nft();
    ctx_ = std::exchange(o.ctx_, nullptr);
  }
  return *this;
}

Nft::~Nft() {
  if (ctx_) (*api())->ctx_free(ctx_);  // a context exists only once api() succeeded
}

Result<std::string> Nft::run(const std::string& commands) {
  const Api* nft = MR_TRY_VALUE(api());
  int rc = nft->run_cmd_from_buffer(ctx_, commands.c_str());
  // The buffers hold what this run printed: libnftables rewinds them at each read.
  std::string out = nft->get_output_buffer(ctx_);
  std::string err = nft->get_error_buffer(ctx_);
  if (rc == 0) return out;
  std::string first = err.substr(0, err.find('\n'));
  if (first.starts_with("Error: ")) first.erase(0, 7);
  if (first.empty()) first = "nft failed";
  Error e = sys_error(errno_in(first), "nftables");
  e.kernel_msg = first;
  return std::unexpected(std::move(e));
}

}  // namespace mr::firewall

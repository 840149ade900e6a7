// The text every journal record is written in (journal_format.hpp): percent-escaped
// key=value fields, and the codecs of the values records hold (addresses, routes,
// neighbours, proofs). The records themselves are encoded and decoded by their device
// recipes (device_*.cpp) with these, so that the text stays one format.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "netns/address.hpp"
#include "netns/device_sysctl.hpp"
#include "netns/link_config.hpp"
#include "netns/link_proof.hpp"
#include "netns/neighbour.hpp"
#include "netns/route.hpp"

namespace mr::netns {

template <class T>
Result<T> parse_number(std::string_view text, std::string_view what) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    return fail(EINVAL, "bad number \"" + std::string(text) + "\" for " + std::string(what));
  return v;
}

// The fields of a record being written, " key=value" each, values escaped.
class RecordFields {
 public:
  void add(std::string_view key, std::string_view value);
  void add(std::string_view key, uint64_t value) { add(key, std::to_string(value)); }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// The key=value fields of a decoded line, in order; a key may repeat (addr=, route=).
struct ParsedRecord {
  std::string op;
  std::vector<std::pair<std::string, std::string>> fields;

  Result<std::string> one(std::string_view key) const;
  // An optional field: none when absent, an error when repeated.
  Result<std::optional<std::string>> maybe(std::string_view key) const;
  std::vector<std::string> all(std::string_view key) const;
  // A device name. The kernel refuses a line break in one (dev_valid_name()), and a
  // damaged journal's must not split the messages that name the device.
  Result<std::string> name(std::string_view key) const;
  template <class T>
  Result<T> num(std::string_view key) const {
    auto v = MR_TRY_VALUE(one(key));
    return parse_number<T>(v, key);
  }
};

// "OP key=value ...", a line's body without its checksum.
Result<ParsedRecord> parse_record(std::string_view body);

std::string encode_address(const AddressInfo& a);
Result<AddressInfo> decode_address(std::string_view text);
std::string encode_route(const Route& r);
Result<Route> decode_route(std::string_view text);
std::string encode_master(const MasterLink& m);
Result<MasterLink> decode_master(std::string_view text);
std::string encode_neighbour(const Neighbour& n);
Result<Neighbour> decode_neighbour(std::string_view text);
std::string encode_sysctl_values(const std::vector<int32_t>& values);
Result<std::vector<int32_t>> decode_sysctl_values(std::string_view text);
std::string encode_clock(const LifetimeClock& c);
Result<LifetimeClock> decode_clock(std::string_view text);
// A proof's fields (proof=, peer=, ...); none for a proof of kind none.
void encode_proof(const LinkProof& p, RecordFields& f);
Result<LinkProof> decode_proof(const ParsedRecord& p);

}  // namespace mr::netns

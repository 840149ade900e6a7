// A netlink request under construction, on libmnl's attribute builders. Attributes that
// do not fit mark the message as overflowed; NlSocket refuses to send it (EMSGSIZE).
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace mr::netns::nl {

class Message {
 public:
  // A request of `type` (RTM_NEWLINK, ...) with `flags` (NLM_F_REQUEST is always set).
  Message(uint16_t type, uint16_t flags);
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  // Appends the family header (ifinfomsg, ifaddrmsg, rtmsg) right after the nlmsghdr.
  // mnl_nlmsg_put_extra_header() does not check the buffer: a header that does not fit
  // marks the message as overflowed instead.
  template <class Header>
  void put(const Header& h) {
    if (hdr_->nlmsg_len + MNL_ALIGN(sizeof(Header)) > buf_.size()) {
      overflow_ = true;
      return;
    }
    auto* dst = static_cast<Header*>(mnl_nlmsg_put_extra_header(hdr_, sizeof(Header)));
    *dst = h;
  }

  void attr_u8(uint16_t type, uint8_t v) { ok(mnl_attr_put_u8_check(hdr_, buf_.size(), type, v)); }
  void attr_u16(uint16_t type, uint16_t v) { ok(mnl_attr_put_u16_check(hdr_, buf_.size(), type, v)); }
  void attr_u32(uint16_t type, uint32_t v) { ok(mnl_attr_put_u32_check(hdr_, buf_.size(), type, v)); }
  void attr_s32(uint16_t type, int32_t v) { attr_u32(type, static_cast<uint32_t>(v)); }
  void attr_str(uint16_t type, std::string_view s);  // NUL-terminated
  void attr_bytes(uint16_t type, std::span<const uint8_t> bytes);
  void attr_flag(uint16_t type) { ok(mnl_attr_put_check(hdr_, buf_.size(), type, 0, nullptr)); }

  // A nested attribute, closed when the guard goes out of scope.
  class Nest {
   public:
    Nest(Message& m, uint16_t type);
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    ~Nest();

   private:
    Message& m_;
    nlattr* start_;
  };
  [[nodiscard]] Nest nest(uint16_t type) { return Nest(*this, type); }

  nlmsghdr* header() { return hdr_; }
  const nlmsghdr* header() const { return hdr_; }
  bool overflowed() const { return overflow_; }
  uint16_t type() const { return hdr_->nlmsg_type; }

 private:
  void ok(bool fitted) { overflow_ |= !fitted; }

  alignas(NLMSG_ALIGNTO) std::array<char, 4096> buf_{};
  nlmsghdr* hdr_;
  bool overflow_ = false;
};

// The attributes of a received message, indexed by type (the last one of a type wins).
// `max` is the highest attribute type the caller reads.
template <size_t Max>
struct Attrs {
  std::array<const nlattr*, Max + 1> at{};
  const nlattr* operator[](size_t type) const { return type <= Max ? at[type] : nullptr; }

  // libmnl's per-attribute callback: files each attribute under its type.
  static int collect(const nlattr* attr, void* data) {
    auto* out = static_cast<Attrs*>(data);
    auto type = mnl_attr_get_type(attr);
    if (type <= Max) out->at[type] = attr;
    return MNL_CB_OK;
  }
};

template <size_t Max>
Attrs<Max> parse_attrs(const nlmsghdr* h, size_t header_size) {
  Attrs<Max> a;
  mnl_attr_parse(h, static_cast<unsigned>(header_size), &Attrs<Max>::collect, &a);
  return a;
}

template <size_t Max>
Attrs<Max> parse_nested(const nlattr* nest) {
  Attrs<Max> a;
  if (nest) mnl_attr_parse_nested(nest, &Attrs<Max>::collect, &a);
  return a;
}

// Payload of an attribute as bytes.
inline std::span<const uint8_t> attr_payload(const nlattr* a) {
  return {static_cast<const uint8_t*>(mnl_attr_get_payload(a)), mnl_attr_get_payload_len(a)};
}

}  // namespace mr::netns::nl

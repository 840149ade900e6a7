#include "netns/netlink_message.hpp"

#include <string>

namespace mr::netns::nl {

Message::Message(uint16_t type, uint16_t flags) {
  hdr_ = mnl_nlmsg_put_header(buf_.data());
  hdr_->nlmsg_type = type;
  hdr_->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
}

void Message::attr_str(uint16_t type, std::string_view s) {
  // mnl_attr_put_strz wants a C string; the view may not be NUL-terminated.
  std::string copy(s);
  ok(mnl_attr_put_strz_check(hdr_, buf_.size(), type, copy.c_str()));
}

void Message::attr_bytes(uint16_t type, std::span<const uint8_t> bytes) {
  ok(mnl_attr_put_check(hdr_, buf_.size(), type, bytes.size(), bytes.data()));
}

Message::Nest::Nest(Message& m, uint16_t type) : m_(m) {
  start_ = mnl_attr_nest_start_check(m.hdr_, m.buf_.size(), type);
  if (!start_) m.overflow_ = true;
}

Message::Nest::~Nest() {
  if (start_) mnl_attr_nest_end(m_.hdr_, start_);
}

}  // namespace mr::netns::nl

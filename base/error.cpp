#include "base/error.hpp"

#include <cstring>

namespace mr {

Error Error::wrap(std::string_view outer) && {
  if (context.empty())
    context = outer;
  else
    context = std::string(outer) + ": " + context;
  return std::move(*this);
}

std::string Error::message() const {
  std::string out;
  if (!file.empty()) out += file + ":";
  if (!pointer.empty()) out += pointer + ":";
  if (!out.empty()) out += " ";
  out += context;
  if (err != 0) {
    if (!context.empty()) out += ": ";
    out += std::strerror(err);
  }
  if (!kernel_msg.empty()) out += " (kernel: " + kernel_msg + ")";
  return out;
}

Error at_origin(Error e, std::string_view origin, std::string_view sub) {
  if (!e.file.empty() || !e.pointer.empty() || (origin.empty() && sub.empty())) return e;
  auto hash = origin.find('#');
  if (hash != std::string_view::npos) {
    e.file = origin.substr(0, hash);
    origin.remove_prefix(hash + 1);
  }
  e.pointer = std::string(origin) + std::string(sub);
  return e;
}

Error sys_error(int err, std::string context) {
  Error e;
  e.err = err;
  e.context = std::move(context);
  return e;
}

}  // namespace mr

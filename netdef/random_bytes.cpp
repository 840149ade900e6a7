#include "netdef/random_bytes.hpp"

#include <sys/random.h>

#include <string>

namespace mr::netdef {

Result<void> random_bytes(std::span<uint8_t> out, std::string_view what) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno, "getrandom for " + std::string(what));
    done += static_cast<size_t>(n);
  }
  return {};
}

}  // namespace mr::netdef

// libFuzzer target: the undo journal reader (netns/journal*.cpp), which reads back
// whatever a crash left in a container's state dir. Any bytes must give a journal or one
// error naming the journal's line; never a crash. Each input runs twice: as it is, and
// with every record's checksum made right, so that mutations also reach the record
// parser behind the checksum. A record that decodes must encode to a canonical line
// that decodes to itself.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/fnv.hpp"
#include "netns/journal.hpp"
#include "netns/journal_format.hpp"
#include "base/unique_fd.hpp"

namespace {

std::string checksum(std::string_view body) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", mr::fnv1a(body));
  return buf;
}

// Every whole line after the header, its first 9 bytes taken as a checksum slot when they
// look like one, gets the checksum of the rest; a torn last line stays as it is.
std::string with_checksums(std::string_view text) {
  std::string out;
  bool header = true;
  for (;;) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) return out += text;
    auto line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (!header) {
      if (line.size() >= 9 && line[8] == ' ') line.remove_prefix(9);
      out += checksum(line) + " ";
    }
    out += line;
    out += '\n';
    header = false;
  }
}

void check_round_trip(std::string_view text) {
  for (;;) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) return;
    auto decoded = mr::netns::decode_journal_line(text.substr(0, nl));
    text.remove_prefix(nl + 1);
    if (!decoded) continue;
    auto line = mr::netns::encode_journal_line(*decoded);
    auto again = mr::netns::decode_journal_line(std::string_view(line).substr(0, line.size() - 1));
    if (!again || mr::netns::encode_journal_line(*again) != line) std::abort();
  }
}

void check_journal(std::string_view text) {
  mr::UniqueFd fd(::memfd_create("journal", MFD_CLOEXEC));
  if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) std::abort();
  auto path = "/proc/self/fd/" + std::to_string(fd.get());
  auto journal = mr::netns::Journal::open(path);
  if (!journal) {
    auto m = journal.error().message();
    if (m.find('\n') != std::string::npos || !m.starts_with("journal " + path + " line ")) std::abort();
    return;
  }
  for (const auto* e : journal->pending())
    if (mr::netns::describe(e->step).find('\n') != std::string::npos) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto fixed = with_checksums(text);
  check_journal(text);
  check_journal(fixed);
  check_round_trip(fixed);
  return 0;
}

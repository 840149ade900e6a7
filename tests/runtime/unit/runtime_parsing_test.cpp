// The runtime's small parsers: container ids, signals, mount options, capability and
// rlimit names.
#include <doctest/doctest.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <climits>
#include <csignal>

#include "runtime/capabilities.hpp"
#include "oci/container_id.hpp"
#include "runtime/mount_options.hpp"
#include "runtime/process_attrs.hpp"
#include "runtime/signals.hpp"

using namespace mr::runtime;
using mr::oci::check_container_id;
using mr::oci::kMaxIdLength;

TEST_CASE("container ids: letters, digits and _ + - . only, bounded, never a path") {
  for (const char* ok : {"a", "web-1", "Ok_id+1.2-3", ".hidden", "a.b.c"}) {
    CAPTURE(ok);
    CHECK(check_container_id(ok).has_value());
  }
  for (std::string bad : std::vector<std::string>{"", ".", "..", "a/b", "/abs", "../up", "sp ace", "tab\t",
                                                  std::string("nul\0x", 5), "é", std::string(kMaxIdLength + 1, 'x'), "a..b", "...x", "x..",
                                                  std::string(256, 'x')}) {
    CAPTURE(bad);
    auto r = check_container_id(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message().starts_with("invalid container id"));
  }
  // A file name's limit (NAME_MAX), as the id names the state directory.
  CHECK(kMaxIdLength == NAME_MAX);
  CHECK(check_container_id(std::string(kMaxIdLength, 'x')).has_value());
  CHECK(check_container_id("a..b").error().message().find("\"..\" is not allowed") != std::string::npos);
}

TEST_CASE("signals by name, with or without SIG, any case, or by number") {
  CHECK(*parse_signal("TERM") == SIGTERM);
  CHECK(*parse_signal("SIGKILL") == SIGKILL);
  CHECK(*parse_signal("hup") == SIGHUP);
  CHECK(*parse_signal("9") == 9);
  CHECK(*parse_signal("RTMIN") == SIGRTMIN);
  CHECK(*parse_signal("SIGRTMIN+2") == SIGRTMIN + 2);
  CHECK(*parse_signal("RTMAX-1") == SIGRTMAX - 1);
  for (const char* bad : {"", "0", "-1", "999", "NOPE", "RTMIN-1", "RTMAX+1", "9x"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_signal(bad).has_value());
  }
}

TEST_CASE("mount options split into flags, propagation and data") {
  auto o = parse_mount_options({"rbind", "ro", "nosuid", "nodev", "noexec", "rprivate", "mode=755", "size=1m"});
  CHECK(o.bind);
  CHECK(o.recursive);
  CHECK(o.flags == (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
  REQUIRE(o.propagation.size() == 1);
  CHECK(o.propagation[0] == (MS_PRIVATE | MS_REC));
  CHECK(o.data == "mode=755,size=1m");

  auto later_wins = parse_mount_options({"ro", "rw", "bind", "slave", "shared"});
  CHECK(later_wins.bind);
  CHECK_FALSE(later_wins.recursive);
  CHECK((later_wins.flags & MS_RDONLY) == 0);
  CHECK(later_wins.clear == MS_RDONLY);
  CHECK(later_wins.propagation == std::vector<unsigned long>{MS_SLAVE, MS_SHARED});
  CHECK(later_wins.data.empty());
}

TEST_CASE("capability and rlimit names") {
  CHECK(*capability_number("CAP_CHOWN") == 0);
  CHECK(*capability_number("CAP_NET_ADMIN") == 12);
  CHECK(*capability_number("CAP_CHECKPOINT_RESTORE") == 40);
  CHECK_FALSE(capability_number("CAP_NOPE").has_value());
  CHECK_FALSE(capability_number("net_admin").has_value());
  CHECK(*capability_mask({"CAP_KILL", "CAP_NET_ADMIN"}) == 0x1020);
  CHECK(*rlimit_resource("RLIMIT_NOFILE") == RLIMIT_NOFILE);
  CHECK_FALSE(rlimit_resource("RLIMIT_BOGUS").has_value());
}

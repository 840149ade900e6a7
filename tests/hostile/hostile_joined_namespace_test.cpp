// A bundle may join a network namespace by path, and that namespace may be the runtime's
// own: "/proc/self/ns/net" names it from the runtime, and so does any file bound to it.
// linux.sysctl written there would change the host, so create, run and validate refuse
// such a bundle in one line at the namespace entry, and the host's value stays as it
// was. A joined namespace that is not the runtime's receives them as before.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "support/hostile_docs.hpp"
#include "support/runtime_harness.hpp"
#include "netns/sysctl.hpp"
#include "support/process.hpp"

using namespace mr::test;

namespace {

constexpr const char* kKey = "net.ipv4.conf.all.rp_filter";

// Points the config's network entry at `path`, and returns that entry's index.
size_t join_network(Bundle& b, const std::string& path) {
  auto& list = b.config["linux"]["namespaces"];
  for (size_t i = 0; i < list.size(); ++i)
    if (list[i]["type"] == "network") {
      list[i]["path"] = path;
      return i;
    }
  FAIL("the default config has no network namespace");
  return 0;
}

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "a joined network namespace that is the runtime's own receives no sysctl") {
  // The runtime runs in the sandbox host's namespace: these two paths both name it.
  const std::string bound = tmp.file("host-netns");
  MUST(sb.host().ns.pin(bound));
  MUST(mr::netns::write_sysctl(sb.host().ns, kKey, "1"));
  b.config["linux"]["sysctl"] = {{kKey, "2"}};
  for (const std::string& path : {std::string("/proc/self/ns/net"), bound}) {
    CAPTURE(path);
    size_t entry = join_network(b, path);
    b.write();
    const std::string line = "mini-runc: error: " + b.dir + "/config.json:/linux/namespaces/" + std::to_string(entry) +
                             ": \"" + path + "\" is the runtime's own network namespace: linux.sysctl \"" + kKey +
                             "\" would change the host; join a namespace that is not the runtime's, or drop the path "
                             "to give the container its own";
    for (const char* command : {"create", "run"}) {
      CAPTURE(command);
      auto o = runc({command, "-b", b.dir, "joined"});
      CHECK(o.status == 1);
      CHECK(lines_of(o.err) == std::vector<std::string>{line});
      CHECK(MUST(mr::netns::read_sysctl(sb.host().ns, kKey)) == "1");
      CHECK_FALSE(std::filesystem::exists(runc.root() + "/joined"));
    }
    auto v = runc({"validate", "-b", b.dir});
    CHECK(v.status == 1);
    CHECK(lines_of(v.err) == std::vector<std::string>{line});
    CHECK(MUST(mr::netns::read_sysctl(sb.host().ns, kKey)) == "1");
  }
  MUST(mr::netns::Netns::unpin(bound));

  // Another process's namespace is not the runtime's: it gets the sysctl, the host not.
  StandInContainer other;
  join_network(b, "/proc/" + std::to_string(other.pid()) + "/ns/net");
  b.write();
  auto c = runc({"create", "-b", b.dir, "joined"});
  INFO(c.err);
  REQUIRE(c.status == 0);
  CHECK(MUST(mr::netns::read_sysctl(MUST(mr::netns::Netns::open_pid(other.pid())), kKey)) == "2");
  CHECK(MUST(mr::netns::read_sysctl(sb.host().ns, kKey)) == "1");
  CHECK(runc({"delete", "--force", "joined"}).status == 0);
}

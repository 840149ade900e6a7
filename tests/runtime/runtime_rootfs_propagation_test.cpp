// linux.rootfsPropagation: the container's root mount gets the propagation asked for
// (read back from the init's /proc/PID/mountinfo), and none of it reaches the host's
// mount table, a shared root included.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "support/recovery_host.hpp"
#include "support/runtime_harness.hpp"

using namespace mr::test;

namespace {

// The optional fields of the mount at "/" in /proc/PID/mountinfo ("shared:12 master:3"),
// "" when it has none (private).
std::string root_propagation(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point, options, field, out;
    fields >> id >> parent >> dev >> root >> point >> options;
    if (point != "/") continue;
    while (fields >> field && field != "-") out += (out.empty() ? "" : " ") + field;
    return out;
  }
  return "?";
}

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "rootfsPropagation sets the container's root mount and nothing reaches the host") {
  struct Row {
    const char* kind;
    const char* has;    // a tag the root's optional fields have; "" for none at all
    const char* lacks;  // one they must not have
  };
  // rslave: the root filesystem's own mount is private before it becomes the root (as
  // runc makes it), and a slave of a private mount is private.
  for (const Row& row : {Row{"rprivate", "", "shared:"}, Row{"rslave", "", "shared:"},
                         Row{"rshared", "shared:", "master:"}, Row{"runbindable", "unbindable", "shared:"}}) {
    CAPTURE(row.kind);
    std::string ready = b.rootfs() + "/tmp/ready";
    ::unlink(ready.c_str());
    REQUIRE(::mkfifo(ready.c_str(), 0600) == 0);
    b.config["linux"]["rootfsPropagation"] = row.kind;
    b.args({"sh", "-c", "echo up > /tmp/ready; exec sleep 1000"});
    b.write();
    const std::string id = std::string("prop-") + row.kind;
    auto r = runc({"run", "--detach", "--bundle", b.dir, id});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(read_file(ready) == "up\n");
    pid_t pid = runc.state(id)["pid"].get<pid_t>();
    std::string fields = root_propagation(pid);
    INFO("root's optional fields: " << fields);
    if (*row.has)
      CHECK(fields.find(row.has) != std::string::npos);
    else
      CHECK(fields.empty());
    CHECK(fields.find(row.lacks) == std::string::npos);
    // A shared root must not be a peer of the host's: the bind of the root filesystem
    // onto itself, and the container's /proc, /dev ..., stay out of the host's table.
    CHECK(mounts_under(b.dir).empty());
    CHECK(runc({"delete", "--force", id}).status == 0);
  }
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a rootfsPropagation that is no propagation kind is one line with its pointer") {
  b.config["linux"]["rootfsPropagation"] = "sideways";
  b.write();
  auto o = runc({"create", "-b", b.dir, "badprop"});
  CHECK(o.status == 1);
  CHECK(o.err.find("config.json:/linux/rootfsPropagation: ") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(runc.root() + "/badprop"));
}

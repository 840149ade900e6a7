// linux.devices: nodes made with the asked type, numbers, mode and owner (read back
// with stat inside the container); one at a default device's path replaces the bound
// host node; a path outside /dev is refused at its pointer and nothing is made.
#include <doctest/doctest.h>

#include <filesystem>

#include "support/runtime_harness.hpp"

using namespace mr::test;
namespace fs = std::filesystem;

TEST_CASE_FIXTURE(MiniRuncFixture, "linux.devices are made with their type numbers mode and owner") {
  b.config["linux"]["devices"] = {
      {{"path", "/dev/mine/null2"}, {"type", "c"}, {"major", 1}, {"minor", 3}, {"fileMode", 0620}, {"uid", 1000},
       {"gid", 5}},
      {{"path", "/dev/loopx"}, {"type", "b"}, {"major", 7}, {"minor", 200}},
      {{"path", "/dev/pipe"}, {"type", "p"}, {"fileMode", 0600}},
      {{"path", "/dev/unbuf"}, {"type", "u"}, {"major", 1}, {"minor", 5}, {"fileMode", 0644}},
      // At a default device's path: made here, not bound from the host.
      {{"path", "/dev/zero"}, {"type", "c"}, {"major", 1}, {"minor", 5}, {"fileMode", 0600}},
  };
  b.args({"sh", "-c",
          "for d in /dev/mine/null2 /dev/loopx /dev/pipe /dev/unbuf /dev/zero; do"
          "  stat -c '%n %F %t:%T %a %u:%g' $d; done;"
          "grep -c ' /dev/zero ' /proc/self/mountinfo; grep -c ' /dev/null ' /proc/self/mountinfo;"
          "echo x > /dev/mine/null2 && echo written"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "devnodes"});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(o.out ==
        "/dev/mine/null2 character special file 1:3 620 1000:5\n"
        "/dev/loopx block special file 7:c8 666 0:0\n"
        "/dev/pipe fifo 0:0 600 0:0\n"
        "/dev/unbuf character special file 1:5 644 0:0\n"
        "/dev/zero character special file 1:5 600 0:0\n"
        "0\n1\nwritten\n");
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a linux.devices entry that could leave /dev is refused at its pointer and nothing is made") {
  auto before = host_state(sb.host());
  for (const char* path : {"/dev/../etc/passwd", "/etc/shadow", "/dev/", "/dev/./x", "dev/null"}) {
    CAPTURE(path);
    b.config["linux"]["devices"] = {{{"path", path}, {"type", "c"}, {"major", 1}, {"minor", 3}}};
    b.write();
    auto o = runc({"run", "-b", b.dir, "devbad"});
    CHECK(o.status != 0);
    CHECK(o.err.find("config.json:/linux/devices/0/path: expected a path under /dev/") != std::string::npos);
    CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(runc.root() + "/devbad"));
  }
  b.config["linux"]["devices"] = {{{"path", "/dev/x"}, {"type", "q"}, {"major", 1}, {"minor", 3}}};
  b.write();
  auto o = runc({"run", "-b", b.dir, "devbad"});
  CHECK(o.status != 0);
  CHECK(o.err.find("/linux/devices/0/type") != std::string::npos);
  b.config["linux"]["devices"] = {{{"path", "/dev/x"}, {"type", "c"}}};
  b.write();
  o = runc({"run", "-b", b.dir, "devbad"});
  CHECK(o.status != 0);
  CHECK(o.err.find("config.json:/linux/devices/0: expected \"major\" for a device of type c") != std::string::npos);
  CHECK_FALSE(fs::exists(runc.root() + "/devbad"));
  CHECK(settled_host_state(sb.host(), before) == before);
}

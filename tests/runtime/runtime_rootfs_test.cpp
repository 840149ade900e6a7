// The container's root filesystem: mounts land inside it whatever its symlinks say,
// default /dev, masked and read-only paths, bind mount options.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "support/runtime_harness.hpp"

using namespace mr::test;
namespace fs = std::filesystem;

TEST_CASE_FIXTURE(MiniRuncFixture, "a symlink in the rootfs cannot send a mount destination outside it") {
  // A host directory with a marker, and a rootfs symlink pointing at its host path.
  std::string outside = tmp.path() + "/outside";
  fs::create_directories(outside);
  std::ofstream(outside + "/marker") << "host";
  fs::create_symlink(outside, b.rootfs() + "/evil");
  // And a relative one climbing above the rootfs.
  fs::create_symlink("../../../../../../../../..", b.rootfs() + "/up");
  b.config["mounts"].push_back({{"destination", "/evil/sub"}, {"type", "tmpfs"}, {"source", "tmpfs"}});
  b.config["mounts"].push_back({{"destination", "/up/tmp/sub2"}, {"type", "tmpfs"}, {"source", "tmpfs"}});
  b.args({"sh", "-c", "grep -c ' " + outside + "/sub ' /proc/self/mountinfo; grep -c ' /tmp/sub2 ' /proc/self/mountinfo; ls " + outside});
  b.write();
  auto o = runc({"run", "-b", b.dir, "escape"});
  INFO(o.err);
  CHECK(o.status == 0);
  // Inside, both mounts sit where the symlinks lead when the rootfs is "/"; the host's
  // marker is not visible there.
  CHECK(o.out == "1\n1\nsub\n");
  // On the host, the targets were made inside the rootfs, and nothing outside changed.
  CHECK(fs::is_directory(b.rootfs() + outside + "/sub"));
  CHECK(fs::is_directory(b.rootfs() + "/tmp/sub2"));
  CHECK_FALSE(fs::exists(outside + "/sub"));
  CHECK_FALSE(fs::exists("/tmp/sub2"));
}

TEST_CASE_FIXTURE(MiniRuncFixture, "default devices, masked and read-only paths, read-only root") {
  b.config["root"]["readonly"] = true;
  b.args({"sh", "-c",
          "for d in null zero full random urandom tty; do [ -c /dev/$d ] && echo -n c; done; echo;"
          "for l in fd stdin ptmx; do readlink /dev/$l; done;"
          "wc -c < /proc/timer_list; grep -c ' /proc/timer_list ' /proc/self/mountinfo;"
          "ls /sys/firmware | wc -l;"
          "echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo sys-writable || echo sys-ro;"
          "touch /newfile 2>/dev/null && echo root-writable || echo root-ro;"
          "echo x > /dev/null && echo null-ok"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "devs"});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(o.out == "cccccc\n/proc/self/fd\n/proc/self/fd/0\npts/ptmx\n0\n1\n0\nsys-ro\nroot-ro\nnull-ok\n");
}

TEST_CASE_FIXTURE(MiniRuncFixture, "bind mounts with options") {
  std::string shared = tmp.path() + "/shared";
  fs::create_directories(shared);
  std::ofstream(shared + "/hello") << "from the host\n";
  b.config["mounts"].push_back({{"destination", "/data"}, {"type", "bind"}, {"source", shared},
                                {"options", {"rbind", "ro", "nosuid", "nodev", "rprivate"}}});
  b.config["mounts"].push_back({{"destination", "/rw"}, {"type", "none"}, {"source", shared},
                                {"options", {"bind"}}});
  b.config["mounts"].push_back({{"destination", "/small"}, {"type", "tmpfs"}, {"source", "tmpfs"},
                                {"options", {"size=1m", "mode=700", "noexec"}}});
  b.args({"sh", "-c",
          "cat /data/hello; touch /data/x 2>/dev/null && echo data-rw || echo data-ro;"
          "touch /rw/made && echo rw-ok;"
          "stat -c %a /small; grep ' /small ' /proc/self/mountinfo | grep -c noexec;"
          "grep ' /data ' /proc/self/mountinfo | grep -c 'ro,nosuid,nodev'"});
  b.write();
  auto o = runc({"run", "-b", b.dir, "binds"});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(o.out == "from the host\ndata-ro\nrw-ok\n700\n1\n1\n");
  CHECK(fs::exists(shared + "/made"));
  CHECK_FALSE(fs::exists(shared + "/x"));
}

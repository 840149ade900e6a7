// Hostile bundles: a rootfs whose symlinks point mount destinations, /dev,
// /etc/resolv.conf or /etc/hosts at the host. Nothing outside the rootfs is written or
// mounted; what lands, lands inside the rootfs.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "support/recovery_host.hpp"

using namespace mr::test;
namespace fs = std::filesystem;

namespace {

// Every file under `dir` with its contents: what "unchanged" means for a host directory.
std::string listing(const std::string& dir) {
  std::string out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    out += e.path().string() + (e.is_directory() ? "/" : "") + "\n";
    if (e.is_regular_file()) out += read_file(e.path()) + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE_FIXTURE(MiniRuncFixture, "symlinks to the host for /etc/resolv.conf, /etc/hosts and /dev write and mount nothing outside") {
  std::string outside = tmp.path() + "/outside";
  fs::create_directories(outside + "/dev");
  std::ofstream(outside + "/resolv.conf") << "nameserver 192.0.2.53\n";
  std::ofstream(outside + "/hosts") << "192.0.2.1 host-only\n";
  // Absolute, relative-climbing and directory symlinks.
  fs::create_symlink(outside + "/resolv.conf", b.rootfs() + "/etc/resolv.conf");
  fs::create_symlink("../../../../../../../../.." + outside + "/hosts", b.rootfs() + "/etc/hosts");
  fs::remove(b.rootfs() + "/dev");
  fs::create_symlink(outside + "/dev", b.rootfs() + "/dev");
  // What an engine bind-mounts over both files.
  std::string src = tmp.path() + "/src";
  fs::create_directories(src);
  std::ofstream(src + "/resolv.conf") << "nameserver 10.0.0.53\n";
  std::ofstream(src + "/hosts") << "10.0.0.1 engine\n";
  for (const char* f : {"resolv.conf", "hosts"})
    b.config["mounts"].push_back({{"destination", std::string("/etc/") + f},
                                  {"type", "bind"},
                                  {"source", src + "/" + f},
                                  {"options", {"rbind", "ro"}}});
  // And a network spec that asks for DNS and hosts entries.
  std::ofstream(b.dir + "/network.json") << R"({"version": 1,
    "dns": {"nameservers": ["10.0.0.53"]}, "hosts": [{"address": "10.0.0.1", "names": ["spec"]}]})";
  b.args({"sh", "-c", "cat /etc/resolv.conf /etc/hosts; ls /dev/null"});
  b.write();
  const std::string outside_before = listing(outside);
  auto o = runc({"run", "-b", b.dir, "hostile"});
  INFO(o.err);
  CHECK(o.status == 0);
  // Inside, the bind mounts are what the container sees, and it has its devices.
  // The spec's entries are bind-mounted from the state dir over the rootfs's symlinks
  // (whose host targets stay untouched, checked below).
  CHECK(o.out.find("nameserver 10.0.0.53\n") != std::string::npos);
  CHECK(o.out.find("10.0.0.1") != std::string::npos);
  CHECK(o.out.find("spec") != std::string::npos);
  CHECK(o.out.find("engine") == std::string::npos);
  CHECK(o.out.find("/dev/null\n") != std::string::npos);
  // Outside, nothing changed and nothing is mounted.
  CHECK(listing(outside) == outside_before);
  CHECK(mounts_under(outside) == std::vector<std::string>{});
  CHECK(mounts_under(tmp.path(), {runc.root()}) == std::vector<std::string>{});
  // The targets were made inside the rootfs, where the symlinks lead when it is "/".
  CHECK(fs::exists(b.rootfs() + outside + "/resolv.conf"));
  CHECK(fs::exists(b.rootfs() + outside + "/hosts"));
  CHECK(fs::exists(b.rootfs() + outside + "/dev"));
}

TEST_CASE_FIXTURE(MiniRuncFixture, "a bind mount whose destination climbs out through a symlink chain stays inside") {
  std::string outside = tmp.path() + "/outside";
  fs::create_directories(outside);
  std::ofstream(outside + "/marker") << "host\n";
  // a -> b -> ../../.. + outside: a chain, each link resolved in the rootfs.
  fs::create_symlink("b", b.rootfs() + "/a");
  fs::create_symlink("../../../../../../../../.." + outside, b.rootfs() + "/b");
  std::string src = tmp.path() + "/src";
  fs::create_directories(src);
  std::ofstream(src + "/payload") << "container\n";
  b.config["mounts"].push_back({{"destination", "/a/mnt"}, {"type", "bind"}, {"source", src}, {"options", {"rbind"}}});
  b.args({"sh", "-c", "cat /a/mnt/payload; touch /a/written"});
  b.write();
  const std::string outside_before = listing(outside);
  auto o = runc({"run", "-b", b.dir, "chain"});
  INFO(o.err);
  CHECK(o.status == 0);
  CHECK(o.out == "container\n");
  CHECK(listing(outside) == outside_before);
  CHECK(mounts_under(tmp.path(), {runc.root()}) == std::vector<std::string>{});
  CHECK(fs::exists(b.rootfs() + outside + "/written"));
}

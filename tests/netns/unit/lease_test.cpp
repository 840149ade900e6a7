// Device leases (netns/lease.hpp) on files alone: who may hold a device with whom, and
// that a holder whose journal step is done, or whose journal is gone, holds nothing.
#include <doctest/doctest.h>
#include <filesystem>

#include "netns/journal.hpp"
#include "netns/lease.hpp"
#include "support/unit/unit_temp_dir.hpp"

using namespace mr;
using namespace mr::netns;
namespace fs = std::filesystem;

namespace {

using TempTree = mr::test::TempDir;

// A journal under DIR/ID with one pending step per entry of `steps` (seq 1, 2, ...).
std::string journal_with(const std::string& dir, const std::string& id, int steps) {
  fs::create_directories(dir + "/" + id);
  std::string path = dir + "/" + id + "/network.journal";
  auto j = Journal::open(path);
  REQUIRE(j);
  for (int i = 0; i < steps; ++i) REQUIRE(j->record(DeleteMacvlan{"mv" + std::to_string(i)}));
  return path;
}

LeaseHolder holder(const std::string& journal, uint64_t seq, LeaseRole role, const std::string& id = "c") {
  return {.journal = journal, .seq = seq, .id = id, .device = "nic2", .role = role};
}

}  // namespace

TEST_CASE("a lease reads back as written, and damaged ones are refused") {
  LeaseHolder h{.journal = "/run/mini-runc/web/network.journal", .seq = 7, .id = "web", .device = "enp3s0",
                .role = LeaseRole::parent};
  auto back = decode_lease(encode_lease(h));
  REQUIRE(back);
  CHECK(back->journal == h.journal);
  CHECK(back->seq == 7);
  CHECK(back->id == "web");
  CHECK(back->device == "enp3s0");
  CHECK(back->role == LeaseRole::parent);
  for (const char* bad : {"", "mr-lease 1\n", "mr-lease 1\n/j\n0\nid\ndev\nmoved\n", "mr-lease 1\nj\n1\nid\ndev\nmoved\n",
                          "mr-lease 1\n/j\n1\nid\ndev\nborrowed\n", "mr-lease 2\n/j\n1\nid\ndev\nmoved\n",
                          "mr-lease 1\n/j\n1\nid\ndev\nmoved"}) {
    CAPTURE(bad);
    CHECK_FALSE(decode_lease(bad));
  }
}

TEST_CASE("macvlan parents are shared, while a moved device and a veth end are held alone") {
  TempTree t;
  Leases leases(t.path() + "/leases");
  LeaseKey nic2{42, 5};
  auto a = journal_with(t.path(), "a", 2);
  auto b = journal_with(t.path(), "b", 2);
  REQUIRE(leases.claim(nic2, holder(a, 1, LeaseRole::parent, "a")));
  CHECK(leases.claim(nic2, holder(b, 1, LeaseRole::parent, "b")));
  auto moved = leases.claim(nic2, holder(b, 2, LeaseRole::moved, "b"));
  REQUIRE_FALSE(moved);
  CHECK(moved.error().err == EBUSY);
  CHECK(moved.error().message().find("container \"a\" (" + t.path() + "/a) holds it: the parent of its macvlan") !=
        std::string::npos);
  CHECK(leases.holders(nic2).value().size() == 2);
  CHECK(leases.holders(nic2, a).value().size() == 1);
  // A claim repeated by its holder is no conflict.
  CHECK(leases.claim(nic2, holder(a, 1, LeaseRole::parent, "a")));

  LeaseKey vh1{42, 9};
  REQUIRE(leases.claim(vh1, holder(a, 2, LeaseRole::veth_end, "a")));
  CHECK_FALSE(leases.claim(vh1, holder(b, 2, LeaseRole::parent, "b")));
  CHECK(leases.holders_of_name(42, "nic2").value().size() == 3);
  // A "nic2" of another host namespace is another device.
  LeaseKey other_nic2{0x142, 5};
  REQUIRE(leases.claim(other_nic2, holder(b, 2, LeaseRole::moved, "b")));
  CHECK(leases.holders_of_name(42, "nic2").value().size() == 3);
  CHECK(leases.holders_of_name(0x142, "nic2").value().size() == 1);
  CHECK(leases.holders_of_name(0x14, "nic2").value().empty());

  REQUIRE(leases.release(nic2, holder(a, 1, LeaseRole::parent)));
  REQUIRE(leases.release(nic2, holder(b, 1, LeaseRole::parent)));
  CHECK(leases.holders(nic2).value().empty());
  CHECK_FALSE(fs::exists(t.path() + "/leases/2a-5"));  // the device's directory goes with its last lease
  CHECK(leases.release(nic2, holder(b, 1, LeaseRole::parent)));  // nothing held: not an error
}

TEST_CASE("a lease whose step is done, or whose journal is gone, holds nothing") {
  TempTree t;
  Leases leases(t.path() + "/leases");
  LeaseKey nic0{42, 3};
  auto a = journal_with(t.path(), "a", 1);
  REQUIRE(leases.claim(nic0, holder(a, 1, LeaseRole::moved, "a")));
  CHECK(leases.holders(nic0).value().size() == 1);
  {
    auto j = Journal::open(a);
    REQUIRE(j);
    REQUIRE(j->done(1));
  }
  CHECK(leases.holders(nic0).value().empty());
  auto b = journal_with(t.path(), "b", 1);
  REQUIRE(leases.claim(nic0, holder(b, 1, LeaseRole::moved, "b")));
  fs::remove_all(t.path() + "/b");
  auto c = journal_with(t.path(), "c", 1);
  CHECK(leases.claim(nic0, holder(c, 1, LeaseRole::moved, "c")));
  CHECK(leases.holders(nic0).value().size() == 1);
}

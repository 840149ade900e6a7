// A host device lent to one container (moved in, a macvlan's parent, a veth's host end)
// is never moved into, attached to, or made a parent for another, whichever front door
// and --root lent it: one line names the holder, and the host stays as it was. Leases
// whose holder is gone (its journal, or its step, done) do not block anyone.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "support/apply_helpers.hpp"
#include "support/hook_helpers.hpp"
#include "support/hostile_docs.hpp"
#include "support/recovery_host.hpp"
#include "netns/journal.hpp"
#include "netns/lease.hpp"

using namespace mr::test;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void write_spec(const Bundle& b, const std::string& spec) {
  std::ofstream(b.dir + "/network.json") << spec;
}

// The number of lease files left for devices of the sandbox host `s`.
size_t leases_of(Space& s) {
  auto key = MUST(mr::netns::lease_key(s.nl, 1));
  char prefix[32];
  std::snprintf(prefix, sizeof prefix, "%llx-", static_cast<unsigned long long>(key.netns_cookie));
  size_t n = 0;
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(mr::netns::default_lease_dir(), ec))
    if (dir.path().filename().string().starts_with(prefix))
      for ([[maybe_unused]] const auto& f : fs::directory_iterator(dir.path())) ++n;
  return n;
}

}  // namespace

TEST_CASE_FIXTURE(RecoveryFixture, "the parent of a container's macvlan cannot be moved into another container") {
  write_spec(b, R"({"version": 1, "devices": [{"name": "mv0", "macvlan": {"parent": "nic2"}}]})");
  b.args({"sleep", "1000"});
  b.write();
  auto c1 = runc({"create", "-b", b.dir, "c1"});
  REQUIRE_MESSAGE(c1.status == 0, c1.err);
  CHECK(leases_of(sb.host()) == 1);

  Bundle other(tmp.path() + "/other");
  std::ofstream(other.dir + "/network.json")
      << R"({"version": 1, "devices": [{"name": "eth0", "move": "nic2"}]})";
  other.args({"sleep", "1000"});
  other.write();
  const std::string before = picture();
  auto c2 = runc({"create", "-b", other.dir, "c2"});
  auto line = refused(c2, before, "c2");
  INFO(line);
  CHECK(has(line, other.dir + "/network.json"));
  CHECK(has(line, "/devices/0"));
  CHECK(has(line, "nic2\" is taken: container \"c1\" (" + runc.root() + "/c1) holds it: the parent of its macvlan"));

  // A second macvlan on the same parent is fine: a parent is shared.
  write_spec(other, R"({"version": 1, "devices": [{"name": "mv1", "macvlan": {"parent": "nic2"}}]})");
  auto c3 = runc({"create", "-b", other.dir, "c3"});
  CHECK_MESSAGE(c3.status == 0, c3.err);
  CHECK(leases_of(sb.host()) == 2);

  // Once both let go, nic2 moves.
  CHECK(runc({"delete", "--force", "c1"}).status == 0);
  CHECK(runc({"delete", "--force", "c3"}).status == 0);
  CHECK(leases_of(sb.host()) == 0);
  write_spec(other, R"({"version": 1, "devices": [{"name": "eth0", "move": "nic2"}]})");
  auto c4 = runc({"create", "-b", other.dir, "c4"});
  CHECK_MESSAGE(c4.status == 0, c4.err);
  CHECK(leases_of(sb.host()) == 1);
  CHECK(runc({"delete", "--force", "c4"}).status == 0);
  CHECK(leases_of(sb.host()) == 0);
}

TEST_CASE_FIXTURE(RecoveryFixture, "another container's veth host end cannot be attached to a second container") {
  write_spec(b, R"({"version": 1, "devices": [{"name": "eth0", "veth": {"hostName": "vh1", "bridge": "br0"}}]})");
  b.args({"sleep", "1000"});
  b.write();
  REQUIRE(runc({"create", "-b", b.dir, "c1"}).status == 0);
  std::ofstream(b.dir + "/network.json") << R"({"version": 1})";
  REQUIRE(runc({"create", "-b", b.dir, "c2"}).status == 0);
  const std::string before = picture();
  auto vh1 = sb.host().link("vh1");

  for (auto args : {std::vector<std::string>{"net", "attach", "c2", "vh1"},
                    std::vector<std::string>{"net", "attach", "c2", "vh1", "--macvlan", "--name", "mv0"}}) {
    CAPTURE(args.back());
    auto a = runc(args);
    CHECK(a.status == 1);
    CHECK(lines_of(a.err).size() == 1);
    CHECK(has(a.err, "vh1 is taken: container \"c1\" (" + runc.root() + "/c1) holds it: the host end of its veth"));
    CHECK(picture() == before);
  }
  CHECK(sb.host().link("vh1").master == vh1.master);
}

TEST_CASE("a device lent by netns-hook cannot be moved in by mini-runc, and the other way round") {
  HookHost sb;
  HookBundle hb(R"({"version": 1, "devices": [{"name": "eth2", "macvlan": {"parent": "uplink0"}}]})");
  StandInContainer hooked;
  auto configured = run_hook(sb, hb, {}, oci_state("hooked", "creating", hooked.pid(), hb.path()));
  REQUIRE_MESSAGE(configured.exit_code == 0, configured.err);

  TempDir tmp;
  Bundle b(tmp.path() + "/bundle");
  std::ofstream(b.dir + "/network.json") << R"({"version": 1, "devices": [{"name": "eth0", "move": "uplink0"}]})";
  b.args({"sleep", "1000"});
  b.write();
  RuntimeCli runc(sb, tmp.path() + "/root");
  auto c = runc({"create", "-b", b.dir, "mr1"});
  CHECK(c.status == 1);
  CHECK(has(c.err, "uplink0\" is taken: container \"hooked\" (" + hb.root + "/hooked) holds it: the parent of its macvlan"));
  CHECK(sb.host().has_link("uplink0"));

  // mini-runc lends nic0; the hook may not.
  std::ofstream(b.dir + "/network.json") << R"({"version": 1, "devices": [{"name": "eth0", "move": "nic0"}]})";
  REQUIRE(runc({"create", "-b", b.dir, "mr2"}).status == 0);
  HookBundle hb2(R"({"version": 1, "devices": [{"name": "eth9", "macvlan": {"parent": "nic0"}}]})");
  StandInContainer hooked2;
  auto refused = run_hook(sb, hb2, {}, oci_state("hooked2", "creating", hooked2.pid(), hb2.path()));
  CHECK(refused.exit_code == 1);
  CHECK(has(refused.err, "nic0"));
  CHECK(runc({"delete", "--force", "mr2"}).status == 0);
  hooked.release();
  CHECK(run_poststop(sb, hb, "hooked").exit_code == 0);
  CHECK(settled_host_state(sb.host(), sb.before) == sb.before);
}

TEST_CASE_FIXTURE(RecoveryFixture, "a lease whose holder is gone does not block the device") {
  // A lease left by a container whose directory is gone (a crash between the undo and
  // the release, then its directory removed by hand): the next claim clears it.
  auto key = MUST(mr::netns::lease_key(sb.host().nl, sb.host().link("nic0").index));
  mr::netns::Leases leases(mr::netns::default_lease_dir());
  MUST(leases.claim(key, {.journal = tmp.path() + "/gone/c0/network.journal", .seq = 1, .id = "c0",
                          .device = "nic0", .role = mr::netns::LeaseRole::moved}));
  CHECK(leases_of(sb.host()) == 1);
  write_spec(b, R"({"version": 1, "devices": [{"name": "eth0", "move": "nic0"}]})");
  b.args({"sleep", "1000"});
  b.write();
  auto c = runc({"create", "-b", b.dir, "c1"});
  CHECK_MESSAGE(c.status == 0, c.err);
  CHECK(leases_of(sb.host()) == 1);  // c1's; the stale one is gone
  CHECK(runc({"delete", "--force", "c1"}).status == 0);
  CHECK(leases_of(sb.host()) == 0);
}

TEST_CASE_FIXTURE(RecoveryFixture, "delete releases the lease of a step whose undo was killed before the release") {
  // A detach (or delete) SIGKILLed between marking its step done in the journal and
  // releasing the step's lease leaves the device home, its step done and its lease
  // there. The delete that removes the journal releases it too: else it stays a file
  // until that device is lent again.
  write_spec(b, R"({"version": 1, "devices": [{"name": "eth0", "move": "nic0"}]})");
  b.args({"sleep", "1000"});
  b.write();
  auto c = runc({"create", "-b", b.dir, "c1"});
  REQUIRE_MESSAGE(c.status == 0, c.err);
  CHECK(leases_of(sb.host()) == 1);
  auto d = runc({"net", "detach", "c1", "eth0"});
  REQUIRE_MESSAGE(d.status == 0, d.err);
  CHECK(leases_of(sb.host()) == 0);
  // The lease again, as the killed undo left it: its holder is the done step of c1's journal.
  auto journal = MUST(mr::netns::Journal::open(runc.root() + "/c1/network.journal"));
  auto moved = std::find_if(journal.entries().begin(), journal.entries().end(), [](const auto& e) { return e.lease.has_value(); });
  REQUIRE(moved != journal.entries().end());
  CHECK(moved->done);
  mr::netns::Leases leases(mr::netns::default_lease_dir());
  MUST(leases.claim({moved->lease->cookie, moved->lease->ifindex},
                    {.journal = journal.path(), .seq = moved->seq, .id = "c1", .device = "nic0",
                     .role = mr::netns::LeaseRole::moved}));
  CHECK(leases_of(sb.host()) == 1);
  auto gone = runc({"delete", "--force", "c1"});
  CHECK_MESSAGE(gone.status == 0, gone.err);
  CHECK(leases_of(sb.host()) == 0);
}

TEST_CASE_FIXTURE(RecoveryFixture, "delete removes the lease file of a claim killed before its rename") {
  // A lease is written to NAME.tmp and renamed; a create killed between the two leaves
  // NAME.tmp, whole. The delete that releases the lease removes it too.
  write_spec(b, R"({"version": 1, "devices": [{"name": "eth0", "move": "nic0"}]})");
  b.args({"sleep", "1000"});
  b.write();
  auto key = MUST(mr::netns::lease_key(sb.host().nl, sb.host().link("nic0").index));
  auto c = runc({"create", "-b", b.dir, "c1"});
  REQUIRE_MESSAGE(c.status == 0, c.err);
  char name[48];
  std::snprintf(name, sizeof name, "%llx-%d", static_cast<unsigned long long>(key.netns_cookie), key.ifindex);
  const fs::path dir = fs::path(mr::netns::default_lease_dir()) / name;
  std::vector<fs::path> files(fs::directory_iterator(dir), fs::directory_iterator{});
  REQUIRE(files.size() == 1);
  fs::rename(files[0], files[0].string() + ".tmp");  // as the claim left it
  CHECK(leases_of(sb.host()) == 1);
  auto gone = runc({"delete", "--force", "c1"});
  CHECK_MESSAGE(gone.status == 0, gone.err);
  CHECK(leases_of(sb.host()) == 0);
  CHECK_FALSE(fs::exists(dir));
}

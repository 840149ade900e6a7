#include "netns/device_moved.hpp"

#include "netns/address.hpp"
#include "netns/config_check.hpp"
#include "netns/device_recipe.hpp"
#include "netns/link_proof.hpp"
#include "netns/moved_link.hpp"
#include "netns/namespace.hpp"

namespace mr::netns {

namespace {

bool keeps(KeepAddresses which, const AddressInfo& a) {
  switch (which) {
    case KeepAddresses::none: return false;
    case KeepAddresses::all: return true;
    case KeepAddresses::permanent_global: return is_permanent_global(a);
  }
  return false;
}

void report_returned(const ReturnLink& r, const ReturnedLink& back, UndoContext& c) {
  c.report.returned.push_back({r.host_name, back.name, back.fallback});
  c.report.warnings.insert(c.report.warnings.end(), back.not_restored.begin(), back.not_restored.end());
}

}  // namespace

Result<AppliedDevice> create_device(const DeviceConfig& d, const MoveDevice& m, size_t, CreateContext& c) {
  auto& t = c.targets;
  ReturnLink r = MR_TRY_VALUE(capture_host_link(t.host, m.host_name));
  // What cannot be proven to be itself when it comes back is never lent: teardown
  // would have to take the word of a name or an ifindex the workload can forge.
  if (r.proof.kind == LinkProof::Kind::none && m.return_on_teardown)
    return fail(EPERM, "host device " + m.host_name + " (a " + (r.kind.empty() ? std::string("device") : r.kind) +
                           ") cannot be lent: nothing the kernel reports of it would prove, when it comes back, "
                           "that it is the same device (hardware, veths and devices on a host device can be); "
                           "linux.netDevices gives a device away for good");
  r.ctr_name = d.name;
  r.ctr_index = MR_TRY_VALUE(choose_free_ifindex(t.container_nl, {r.host_index}));
  // Recorded even when it stays at teardown: a failed apply still gives it back.
  uint64_t seq = MR_TRY_VALUE(c.journal.record(r));
  if (!m.return_on_teardown) c.stays.push_back(seq);
  if (auto held = c.lease(seq, r.host_index, LeaseRole::moved, r.host_name); !held)
    return c.void_step(seq, std::move(held).error());
  auto moved = c.faults.step("move " + m.host_name);
  if (moved) {
    LinkSettings s{.name = d.name, .mtu = d.mtu, .mac = d.mac};  // up after its addresses
    moved = move_link_with(t.host, r.host_index, t.container, s, r.ctr_index);
  }
  if (!moved) {
    // Not in the container under the index it was to get: refused before the
    // namespace changed (do_setlink() moves first), or gone from the host before the
    // request (another container's move won the race). Nothing to give back.
    auto there = get_link(t.container_nl, r.ctr_index);
    if (!there && there.error().err == ENODEV) MR_TRY(c.drop(seq));
    return std::unexpected(std::move(moved).error().wrap("host device " + r.host_name));
  }
  AppliedDevice out{d.name, r.ctr_index, r.host_name, d.origin};
  if (is_name_template(d.name)) {
    out.name = MR_TRY_VALUE(get_link(t.container_nl, r.ctr_index)).name;
    MR_TRY(c.journal.arrived(seq, out.name));
  }
  // The move flushed the device's addresses (the kernel's NETDEV_UNREGISTER path).
  for (const auto& a : r.addresses) {
    if (!keeps(m.keep_addresses, a)) continue;
    MR_TRY(c.faults.step("keep address " + a.prefix.to_string()));
    MR_TRY(add_address(t.container_nl, r.ctr_index, a.prefix, a.options()));
  }
  return out;
}

void encode_record(const ReturnLink& r, RecordFields& f) {
  f.add("ctr", r.ctr_name);
  f.add("ctr_index", static_cast<uint64_t>(r.ctr_index));
  f.add("host", r.host_name);
  f.add("host_index", static_cast<uint64_t>(r.host_index));
  f.add("kind", r.kind.empty() ? "-" : r.kind);
  f.add("mtu", r.mtu);
  f.add("mac", r.mac ? r.mac->to_string() : "-");
  f.add("up", r.up ? "1" : "0");
  encode_proof(r.proof, f);
  for (auto& a : r.addresses) f.add("addr", encode_address(a));
  for (auto& rt : r.routes) f.add("route", encode_route(rt));
  if (r.master) f.add("master", encode_master(*r.master));
  for (auto& n : r.neighbours) f.add("neigh", encode_neighbour(n));
  if (!r.sysctls.ipv4.empty()) f.add("conf4", encode_sysctl_values(r.sysctls.ipv4));
  if (!r.sysctls.ipv6.empty()) f.add("conf6", encode_sysctl_values(r.sysctls.ipv6));
  if (r.clock) f.add("clock", encode_clock(*r.clock));
}

Result<ReturnLink> decode_record(const ParsedRecord& p, std::type_identity<ReturnLink>) {
  ReturnLink r;
  r.ctr_name = MR_TRY_VALUE(p.name("ctr"));
  r.ctr_index = MR_TRY_VALUE(p.num<int>("ctr_index"));
  r.host_name = MR_TRY_VALUE(p.name("host"));
  r.host_index = MR_TRY_VALUE(p.num<int>("host_index"));
  r.kind = MR_TRY_VALUE(p.one("kind"));
  if (r.kind == "-") r.kind.clear();
  r.mtu = MR_TRY_VALUE(p.num<uint32_t>("mtu"));
  auto mac = MR_TRY_VALUE(p.one("mac"));
  if (mac != "-") r.mac = MR_TRY_VALUE(MacAddress::parse(mac));
  auto up = MR_TRY_VALUE(p.one("up"));
  if (up != "0" && up != "1") return fail(EINVAL, "bad up flag \"" + up + "\"");
  r.up = up == "1";
  r.proof = MR_TRY_VALUE(decode_proof(p));
  for (auto& a : p.all("addr")) r.addresses.push_back(MR_TRY_VALUE(decode_address(a)));
  for (auto& rt : p.all("route")) r.routes.push_back(MR_TRY_VALUE(decode_route(rt)));
  // The fields below came after version 1: a record without them restores what it did.
  auto master = MR_TRY_VALUE(p.maybe("master"));
  if (master) r.master = MR_TRY_VALUE(decode_master(*master));
  for (auto& n : p.all("neigh")) r.neighbours.push_back(MR_TRY_VALUE(decode_neighbour(n)));
  auto conf4 = MR_TRY_VALUE(p.maybe("conf4"));
  if (conf4) r.sysctls.ipv4 = MR_TRY_VALUE(decode_sysctl_values(*conf4));
  auto conf6 = MR_TRY_VALUE(p.maybe("conf6"));
  if (conf6) r.sysctls.ipv6 = MR_TRY_VALUE(decode_sysctl_values(*conf6));
  auto clock = MR_TRY_VALUE(p.maybe("clock"));
  if (clock) r.clock = MR_TRY_VALUE(decode_clock(*clock));
  for (auto& a : r.addresses) a.index = r.host_index;
  for (auto& rt : r.routes) rt.oif = r.host_index;
  if (r.ctr_index <= 0 || r.host_index <= 0) return fail(EINVAL, "bad ifindex");
  return r;
}

std::string describe(const ReturnLink& r) { return "return " + r.host_name + " (" + r.ctr_name + " in the container)"; }

Result<void> undo_device(const ReturnLink& r, UndoContext& c) {
  LentPlaces at{c.targets.host, c.targets.host_ns, c.targets.container, c.container_nl()};
  auto w = MR_TRY_VALUE(locate(r, at));
  switch (w.place) {
    case Place::container: {
      (void)c.return_faults.step("return " + r.host_name);
      auto back = MR_TRY_VALUE(return_link(r, w.index, at));
      report_returned(r, back, c);
      if (!w.why.empty()) c.warn(r.host_name + ": " + w.why);
      return {};
    }
    case Place::host: {
      // Never moved (a crash before the move), returned by an earlier undo, or sent
      // home by the kernel when a namespace it was in died.
      auto back = MR_TRY_VALUE(restore_home_link(c.targets.host, w.index, r));
      report_returned(r, back, c);
      if (!w.why.empty()) c.warn(r.host_name + ": " + w.why);
      return {};
    }
    case Place::gone:
      c.warn(r.host_name + " was destroyed while lent to the container, so there is nothing to return: " + w.why);
      return {};
    case Place::elsewhere: break;
  }
  return fail(ENODEV, r.host_name + " is not back: " + w.why);
}

Result<std::optional<LinkInfo>> find_live(const ReturnLink& r, LentPlaces& at) {
  auto w = MR_TRY_VALUE(locate(r, at));
  if (w.place != Place::container) return std::optional<LinkInfo>();
  return find_link_index(*at.container_nl, w.index);
}

Result<LinkOrigin> origin_of(const ReturnLink& r, NlSocket&, const LinkInfo&) {
  return LinkOrigin{.source = LinkSource::moved, .host_name = r.host_name};
}

ExportedDevice export_device(const ShownLink& l, std::type_identity<ReturnLink>) {
  DeviceConfig d = exported_basics(l);
  d.kind = MoveDevice{.host_name = l.origin.host_name};
  d.mac = l.link.mac;  // its own, unlike a veth's or a macvlan's
  return {std::move(d), ""};
}

}  // namespace mr::netns

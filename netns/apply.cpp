#include "netns/apply.hpp"

#include "netns/address.hpp"
#include "netns/config_check.hpp"
#include "base/fault.hpp"
#include "netns/link.hpp"
#include "netns/moved_link.hpp"
#include "netns/namespace.hpp"
#include "netns/route.hpp"
#include "netns/sysctl.hpp"
#include "netns/teardown.hpp"

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

std::unexpected<Error> at(const std::string& origin, const std::string& what, Error e) {
  return std::unexpected(at_origin(std::move(e), origin).wrap(what));
}

// A sysctl's name as a member of the spec's "sysctl" object (RFC 6901 escaping).
std::string sysctl_pointer(const std::string& key) {
  std::string out = "/";
  for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

class Applier {
 public:
  // `position_base` is added to a device's place in `cfg` where it names a veth host end.
  Applier(const NetConfig& cfg, ApplyTargets& t, Journal& j, size_t position_base = 0)
      : cfg_(cfg), t_(t), journal_(j), position_base_(position_base) {}

  Result<AppliedNetwork> run() {
    MR_TRY(check_config(cfg_, t_.container_id));
    if (cfg_.loopback_up) {
      MR_TRY(faults_.step("loopback up"));
      MR_TRY(change_link(t_.container_nl, "lo", {.up = true}));
    }
    for (size_t i = 0; i < cfg_.devices.size(); ++i) {
      const auto& d = cfg_.devices[i];
      auto made = std::visit([&](const auto& kind) { return create(d, kind, position_base_ + i); }, d.kind);
      if (!made) return at(d.origin, "device " + d.name, std::move(made).error());
      out_.devices.push_back(std::move(*made));
    }
    for (size_t i = 0; i < cfg_.devices.size(); ++i) {
      const auto& d = cfg_.devices[i];
      if (auto r = add_addresses(d, out_.devices[i].index); !r) return at(d.origin, "device " + d.name, std::move(r).error());
      if (auto r = bring_up(d, out_.devices[i]); !r) return at(d.origin, "device " + d.name, std::move(r).error());
    }
    for (const auto& r : cfg_.routes)
      if (auto added = add_route_of(r); !added) return at(r.origin, "route to " + r.to.to_string(), std::move(added).error());
    for (const auto& [key, value] : cfg_.sysctls) {
      auto written = faults_.step("sysctl " + key);
      if (written) written = write_sysctl(t_.container, key, value);
      if (!written) return std::unexpected(at_origin(std::move(written).error(), cfg_.sysctl_origin, sysctl_pointer(key)));
    }
    for (uint64_t seq : stays_) MR_TRY(journal_.done(seq));
    out_.steps = faults_.steps();
    return std::move(out_);
  }

 private:
  Result<AppliedDevice> create(const DeviceConfig& d, const MoveDevice& m, size_t) {
    ReturnLink r = MR_TRY_VALUE(capture_host_link(t_.host, m.host_name));
    // What cannot be proven to be itself when it comes back is never lent: teardown
    // would have to take the word of a name or an ifindex the workload can forge.
    if (r.proof.kind == LinkProof::Kind::none && m.return_on_teardown)
      return fail(EPERM, "host device " + m.host_name + " (a " + (r.kind.empty() ? std::string("device") : r.kind) +
                             ") cannot be lent: nothing the kernel reports of it would prove, when it comes back, "
                             "that it is the same device (hardware, veths and devices on a host device can be); "
                             "linux.netDevices gives a device away for good");
    r.ctr_name = d.name;
    r.ctr_index = MR_TRY_VALUE(choose_free_ifindex(t_.container_nl, {r.host_index}));
    // Recorded even when it stays at teardown: a failed apply still gives it back.
    uint64_t seq = MR_TRY_VALUE(journal_.record(r));
    if (!m.return_on_teardown) stays_.push_back(seq);
    if (auto held = lease(seq, r.host_index, LeaseRole::moved, r.host_name); !held)
      return void_step(seq, std::move(held).error());
    auto moved = faults_.step("move " + m.host_name);
    if (moved) {
      LinkSettings s{.name = d.name, .mtu = d.mtu, .mac = d.mac};  // up after its addresses
      moved = move_link_with(t_.host, r.host_index, t_.container, s, r.ctr_index);
    }
    if (!moved) {
      // Not in the container under the index it was to get: refused before the
      // namespace changed (do_setlink() moves first), or gone from the host before the
      // request (another container's move won the race). Nothing to give back.
      auto there = get_link(t_.container_nl, r.ctr_index);
      if (!there && there.error().err == ENODEV) MR_TRY(drop(seq));
      return std::unexpected(std::move(moved).error().wrap("host device " + r.host_name));
    }
    AppliedDevice out{d.name, r.ctr_index, r.host_name, d.origin};
    if (is_name_template(d.name)) {
      out.name = MR_TRY_VALUE(get_link(t_.container_nl, r.ctr_index)).name;
      MR_TRY(journal_.arrived(seq, out.name));
    }
    // The move flushed the device's addresses (the kernel's NETDEV_UNREGISTER path).
    for (const auto& a : r.addresses) {
      if (!keeps(m.keep_addresses, a)) continue;
      MR_TRY(faults_.step("keep address " + a.prefix.to_string()));
      MR_TRY(add_address(t_.container_nl, r.ctr_index, a.prefix, a.options()));
    }
    return out;
  }

  Result<AppliedDevice> create(const DeviceConfig& d, const MacvlanDevice& mv, size_t) {
    auto parent = MR_TRY_VALUE(get_link(t_.host, mv.parent));
    uint64_t seq = MR_TRY_VALUE(journal_.record(DeleteMacvlan{d.name, parent.name, parent.index}));
    if (auto held = lease(seq, parent.index, LeaseRole::parent, parent.name); !held)
      return void_step(seq, std::move(held).error());
    auto made = faults_.step("macvlan " + d.name);
    if (made)
      made = create_macvlan(t_.host, {.name = d.name, .parent_index = parent.index, .mode = mv.mode,
                                      .target = &t_.container,
                                      .settings = {.mtu = d.mtu, .mac = d.mac}});  // up after its addresses
    // Creating a link is all or nothing (rtnl_newlink_create() unregisters on failure).
    if (!made) return void_step(seq, std::move(made).error());
    auto link = MR_TRY_VALUE(get_link(t_.container_nl, d.name));
    return AppliedDevice{d.name, link.index, "", d.origin};
  }

  // A derived name still on the host belongs to an earlier container of the same id:
  // its veth goes with its namespace, which the kernel frees after that container's
  // runtime has returned. The next variant of the name is taken instead of waiting.
  Result<std::string> host_end_name(const VethDevice& v, size_t position) {
    if (!v.host_name.empty()) return v.host_name;
    for (int variant = 0; variant <= kDerivedVethVariants; ++variant) {
      std::string name = derived_veth_name(t_.container_id, position, variant);
      if (!MR_TRY_VALUE(find_link(t_.host, name))) return name;
    }
    return fail(EEXIST, "every derived host name for veth " + std::to_string(position) + " of container " +
                            t_.container_id + " is taken on the host");
  }

  Result<AppliedDevice> create(const DeviceConfig& d, const VethDevice& v, size_t position) {
    std::string host_name = MR_TRY_VALUE(host_end_name(v, position));
    std::optional<int> master;
    if (v.bridge) master = MR_TRY_VALUE(get_link(t_.host, *v.bridge)).index;
    uint64_t seq = MR_TRY_VALUE(journal_.record(DeleteVeth{host_name, d.name}));
    auto made = faults_.step("veth " + d.name);
    // The host end comes up (and joins its bridge) in the creating request; the peer
    // cannot (veth_open() finds no peer yet: ENOTCONN), so it takes a request of its own.
    if (made)
      made = create_veth(t_.host, {.name = host_name, .peer_name = d.name, .peer_ns = &t_.container,
                                   .settings = {.mtu = d.mtu, .up = true, .master = master},
                                   .peer_settings = {.mtu = d.mtu, .mac = d.mac}});
    if (!made) return void_step(seq, std::move(made).error());
    auto host_end = MR_TRY_VALUE(get_link(t_.host, host_name));
    MR_TRY(lease(seq, host_end.index, LeaseRole::veth_end, host_name));
    // A bridge port without addresses of its own gets no IPv6 link-local address; the
    // container's end, not yet up, has given it no carrier, so none has been made yet.
    if (v.bridge && v.host_addresses.empty()) {
      MR_TRY(faults_.step("no IPv6 link-local on " + host_name));
      MR_TRY(suppress_ipv6_link_local(t_.host, host_name));
    }
    auto link = MR_TRY_VALUE(get_link(t_.container_nl, d.name));
    if (!v.host_addresses.empty()) {
      for (size_t i = 0; i < v.host_addresses.size(); ++i) {
        const auto& a = v.host_addresses[i];
        auto added = faults_.step("host address " + a.to_string());
        if (added) added = add_address(t_.host, host_end.index, a, {.no_dad = true});
        if (!added) return std::unexpected(at_origin(std::move(added).error(), d.origin, "/veth/hostAddresses/" + std::to_string(i)));
      }
    }
    return AppliedDevice{d.name, link.index, host_name, d.origin};
  }

  std::unexpected<Error> void_step(uint64_t seq, Error e) {
    if (auto r = drop(seq); !r) return std::unexpected(std::move(r).error());
    return std::unexpected(std::move(e));
  }

  // Step `seq` lends host device `index`: the lease is recorded in the journal, then
  // taken; another container holding the device refuses it here.
  Result<void> lease(uint64_t seq, int index, LeaseRole role, const std::string& device) {
    auto key = MR_TRY_VALUE(lease_key(t_.host, index));
    MR_TRY(journal_.leased({seq, key.netns_cookie, key.ifindex, role, device}));
    return leases_.claim(key, {journal_.path(), seq, t_.container_id, device, role});
  }

  // Step `seq` made no change: nothing to undo, and nothing held.
  Result<void> drop(uint64_t seq) {
    MR_TRY(journal_.done(seq));
    return release_lease(leases_, journal_, seq);
  }

  Result<void> add_addresses(const DeviceConfig& d, int index) {
    for (size_t i = 0; i < d.addresses.size(); ++i) {
      const auto& a = d.addresses[i];
      auto added = faults_.step("address " + a.to_string());
      // Without DAD an IPv6 address is usable at once rather than "tentative" for a second.
      if (added) added = add_address(t_.container_nl, index, a, {.no_dad = true});
      if (!added) return std::unexpected(at_origin(std::move(added).error(), d.origin, "/addresses/" + std::to_string(i)));
    }
    return {};
  }

  Result<void> add_route_of(const RouteConfig& rc) {
    Route r;
    r.destination = rc.to.network();
    r.gateway = rc.via;
    r.onlink = rc.onlink;
    r.metric = rc.metric;
    if (rc.device) {
      for (size_t i = 0; i < cfg_.devices.size(); ++i)
        if (cfg_.devices[i].name == *rc.device) r.oif = out_.devices[i].index;
    }
    MR_TRY(faults_.step("route " + to_string(r)));
    return add_route(t_.container_nl, r);
  }

  // A device comes up after its addresses: while it is up, each IPv6 address added walks
  // every multicast group of the device again (inet6_addr_add() -> addrconf_add_dev() ->
  // ipv6_find_idev() -> ipv6_mc_up()), and each address has joined a group of its own
  // (its solicited-node address), so N addresses would cost N^2/2 group updates in the
  // kernel. Coming up, the device joins each group once (addrconf_notify(NETDEV_UP)).
  Result<void> bring_up(const DeviceConfig& d, const AppliedDevice& dev) {
    if (!d.up) return {};
    MR_TRY(faults_.step("up " + dev.name));
    return set_link_up(t_.container_nl, dev.index, true);
  }

  const NetConfig& cfg_;
  ApplyTargets& t_;
  Journal& journal_;
  size_t position_base_;
  FaultInjector faults_;
  Leases leases_{default_lease_dir()};
  AppliedNetwork out_;
  std::vector<uint64_t> stays_;  // moved devices that teardown leaves in the container
};

}  // namespace

namespace {

// `only`: the steps to roll back; null for every pending one.
void roll_back(ApplyTargets& targets, Journal& journal, const std::vector<uint64_t>* only,
               std::vector<Error>* rollback_failures) {
  UndoTargets undo_targets{.host = targets.host, .host_ns = targets.host_ns, .container = &targets.container,
                           .container_nl = &targets.container_nl};
  auto report = only ? undo_steps(journal, undo_targets, *only) : undo_pending(journal, undo_targets);
  if (rollback_failures)
    for (auto& f : report.failures) rollback_failures->push_back(std::move(f));
}

}  // namespace

Result<AppliedNetwork> apply(const NetConfig& cfg, ApplyTargets& targets, Journal& journal,
                             std::vector<Error>* rollback_failures) {
  auto applied = Applier(cfg, targets, journal).run();
  if (!applied) roll_back(targets, journal, nullptr, rollback_failures);
  return applied;
}

Result<AppliedDevice> apply_device(const DeviceConfig& device, ApplyTargets& targets, Journal& journal,
                                   size_t position, std::vector<Error>* rollback_failures) {
  NetConfig one{.loopback_up = false, .devices = {device}};
  size_t before = journal.entries().size();
  auto applied = Applier(one, targets, journal, position).run();
  if (applied) return std::move(applied->devices.front());
  std::vector<uint64_t> mine;
  for (size_t i = before; i < journal.entries().size(); ++i) mine.push_back(journal.entries()[i].seq);
  roll_back(targets, journal, &mine, rollback_failures);
  return std::unexpected(std::move(applied).error());
}

}  // namespace mr::netns

#include "netns/apply.hpp"

#include "netns/address.hpp"
#include "netns/config_check.hpp"
#include "netns/device_recipe.hpp"
#include "netns/link.hpp"
#include "netns/namespace.hpp"
#include "netns/route.hpp"
#include "netns/sysctl.hpp"
#include "netns/teardown.hpp"

namespace mr::netns {

namespace {

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
      : cfg_(cfg), t_(t), steps_(t, j), position_base_(position_base) {}

  Result<AppliedNetwork> run() {
    MR_TRY(check_config(cfg_, t_.container_id));
    if (cfg_.loopback_up) {
      MR_TRY(steps_.faults.step("loopback up"));
      MR_TRY(change_link(t_.container_nl, "lo", {.up = true}));
    }
    for (size_t i = 0; i < cfg_.devices.size(); ++i) {
      const auto& d = cfg_.devices[i];
      auto made = std::visit([&](const auto& kind) { return create_device(d, kind, position_base_ + i, steps_); }, d.kind);
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
      auto written = steps_.faults.step("sysctl " + key);
      if (written) written = write_sysctl(t_.container, key, value);
      if (!written) return std::unexpected(at_origin(std::move(written).error(), cfg_.sysctl_origin, sysctl_pointer(key)));
    }
    for (uint64_t seq : steps_.stays) MR_TRY(steps_.journal.done(seq));
    out_.steps = steps_.faults.steps();
    return std::move(out_);
  }

 private:
  Result<void> add_addresses(const DeviceConfig& d, int index) {
    for (size_t i = 0; i < d.addresses.size(); ++i) {
      const auto& a = d.addresses[i];
      auto added = steps_.faults.step("address " + a.to_string());
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
    MR_TRY(steps_.faults.step("route " + to_string(r)));
    return add_route(t_.container_nl, r);
  }

  // A device comes up after its addresses: while it is up, each IPv6 address added walks
  // every multicast group of the device again (inet6_addr_add() -> addrconf_add_dev() ->
  // ipv6_find_idev() -> ipv6_mc_up()), and each address has joined a group of its own
  // (its solicited-node address), so N addresses would cost N^2/2 group updates in the
  // kernel. Coming up, the device joins each group once (addrconf_notify(NETDEV_UP)).
  Result<void> bring_up(const DeviceConfig& d, const AppliedDevice& dev) {
    if (!d.up) return {};
    MR_TRY(steps_.faults.step("up " + dev.name));
    return set_link_up(t_.container_nl, dev.index, true);
  }

  const NetConfig& cfg_;
  ApplyTargets& t_;
  CreateContext steps_;  // the journal, fault steps and leases every device's recipe shares
  size_t position_base_;
  AppliedNetwork out_;
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

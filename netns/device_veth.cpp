#include "netns/device_veth.hpp"

#include "netns/address.hpp"
#include "netns/config_check.hpp"
#include "netns/device_recipe.hpp"
#include "netns/link_proof.hpp"
#include "netns/namespace.hpp"

namespace mr::netns {

// A derived name still on the host belongs to an earlier container of the same id:
// its veth goes with its namespace, which the kernel frees after that container's
// runtime has returned. The next variant of the name is taken instead of waiting.
Result<std::string> free_derived_veth_name(NlSocket& host, const std::string& container_id, size_t position) {
  for (int variant = 0; variant <= kDerivedVethVariants; ++variant) {
    std::string name = derived_veth_name(container_id, position, variant);
    if (!MR_TRY_VALUE(find_link(host, name))) return name;
  }
  return fail(EEXIST, "every derived host name for veth " + std::to_string(position) + " of container " +
                          container_id + " is taken on the host");
}

Result<AppliedDevice> create_device(const DeviceConfig& d, const VethDevice& v, size_t position, CreateContext& c) {
  auto& t = c.targets;
  std::string host_name =
      v.host_name.empty() ? MR_TRY_VALUE(free_derived_veth_name(t.host, t.container_id, position)) : v.host_name;
  std::optional<int> master;
  if (v.bridge) master = MR_TRY_VALUE(get_link(t.host, *v.bridge)).index;
  uint64_t seq = MR_TRY_VALUE(c.journal.record(DeleteVeth{host_name, d.name}));
  auto made = c.faults.step("veth " + d.name);
  // The host end comes up (and joins its bridge) in the creating request; the peer
  // cannot (veth_open() finds no peer yet: ENOTCONN), so it takes a request of its own.
  if (made)
    made = create_veth(t.host, {.name = host_name, .peer_name = d.name, .peer_ns = &t.container,
                                .settings = {.mtu = d.mtu, .up = true, .master = master},
                                .peer_settings = {.mtu = d.mtu, .mac = d.mac}});
  if (!made) return c.void_step(seq, std::move(made).error());
  auto host_end = MR_TRY_VALUE(get_link(t.host, host_name));
  MR_TRY(c.lease(seq, host_end.index, LeaseRole::veth_end, host_name));
  // A bridge port without addresses of its own gets no IPv6 link-local address; the
  // container's end, not yet up, has given it no carrier, so none has been made yet.
  if (v.bridge && v.host_addresses.empty()) {
    MR_TRY(c.faults.step("no IPv6 link-local on " + host_name));
    MR_TRY(suppress_ipv6_link_local(t.host, host_name));
  }
  auto link = MR_TRY_VALUE(get_link(t.container_nl, d.name));
  for (size_t i = 0; i < v.host_addresses.size(); ++i) {
    const auto& a = v.host_addresses[i];
    auto added = c.faults.step("host address " + a.to_string());
    if (added) added = add_address(t.host, host_end.index, a, {.no_dad = true});
    if (!added)
      return std::unexpected(at_origin(std::move(added).error(), d.origin, "/veth/hostAddresses/" + std::to_string(i)));
  }
  return AppliedDevice{d.name, link.index, host_name, d.origin};
}

void encode_record(const DeleteVeth& v, RecordFields& f) {
  f.add("host", v.host_name);
  f.add("ctr", v.ctr_name);
}

Result<DeleteVeth> decode_record(const ParsedRecord& p, std::type_identity<DeleteVeth>) {
  // Each field read before the braces: a return out of MR_TRY_VALUE inside a braced
  // initializer skips the destructors of the members already made (a leak that
  // fuzz/journal_fuzzer found for a veth record without ctr=).
  auto host = MR_TRY_VALUE(p.name("host"));
  auto ctr = MR_TRY_VALUE(p.name("ctr"));
  return DeleteVeth{std::move(host), std::move(ctr)};
}

std::string describe(const DeleteVeth& v) { return "delete veth " + v.host_name; }

Result<void> undo_device(const DeleteVeth& v, UndoContext& c) {
  auto& t = c.targets;
  // Only a pair whose other end is in the container's namespace is the one we made:
  // the name may be another container's or the administrator's by now. With the
  // namespace gone, so is our pair (the kernel deletes a namespace's veths, peers and
  // all), and a link of that name on the host is not ours.
  if (!t.container) return {};
  auto ours = MR_TRY_VALUE(our_veth(t.host, *t.container, v.host_name));
  if (!ours) {
    if (MR_TRY_VALUE(find_link(t.host, v.host_name)))
      c.warn("veth host end " + v.host_name + " on the host is not the container's any more (its peer is not "
             "in the container's namespace): left alone");
    return {};
  }
  // A host end the spec named keeps its name until the kernel's cleanup_net() work runs,
  // after the caller has returned: the next container asking for that name would find
  // it taken. Those are deleted here, RCU wait and all; a derived name has variants for
  // a dying namespace of the same id (derived_veth_name), so it may be left to the
  // namespace's end, which deletes the pair off the caller's path.
  if (t.namespace_ends && is_derived_veth_name(v.host_name)) return {};
  return UndoContext::ignore_gone(delete_link(t.host, ours->host_end.index));
}

Result<std::optional<LinkInfo>> find_live(const DeleteVeth& v, LentPlaces& at) {
  auto ends = MR_TRY_VALUE(our_veth(at.host, *at.container, v.host_name));
  if (!ends) return std::optional<LinkInfo>();
  return if_kind(find_link_index(*at.container_nl, ends->container_index), "veth");
}

Result<LinkOrigin> origin_of(const DeleteVeth& v, NlSocket& host, const LinkInfo&) {
  LinkOrigin o{.source = LinkSource::veth, .host_name = v.host_name};
  auto end = MR_TRY_VALUE(get_link(host, v.host_name));
  if (end.master) o.bridge = MR_TRY_VALUE(get_link(host, end.master)).name;
  for (auto& a : MR_TRY_VALUE(capture_addresses(host, end.index))) o.host_addresses.push_back(a.prefix);
  return o;
}

ExportedDevice export_device(const ShownLink& l, std::type_identity<DeleteVeth>) {
  // Its MAC is left out: the kernel gave it a random one unless the spec set it, and
  // which was the case is not known here; copied, it would give a second container
  // made from the export the first one's MAC on the same bridge.
  DeviceConfig d = exported_basics(l);
  d.kind = VethDevice{l.origin.host_name, l.origin.bridge, l.origin.host_addresses};
  return {std::move(d), ""};
}

}  // namespace mr::netns

#include "netns/device_macvlan.hpp"

#include "netns/device_recipe.hpp"
#include "netns/link_proof.hpp"
#include "netns/namespace.hpp"
#include "netns/nsid.hpp"

namespace mr::netns {

namespace {

// A macvlan in the container whose parent is the recorded one on the host (the parent's
// index in records that have it; else any host device). `ctr` is a socket in the
// container.
Result<bool> is_our_macvlan(const LinkInfo& link, const DeleteMacvlan& m, NlSocket& ctr, const Netns& host_ns) {
  if (link.kind != "macvlan" || !link.parent_elsewhere) return false;
  if (m.parent_index > 0 && link.parent != m.parent_index) return false;
  return link.link_netnsid == MR_TRY_VALUE(nsid_of(ctr, host_ns));
}

}  // namespace

Result<AppliedDevice> create_device(const DeviceConfig& d, const MacvlanDevice& mv, size_t, CreateContext& c) {
  auto& t = c.targets;
  auto parent = MR_TRY_VALUE(get_link(t.host, mv.parent));
  uint64_t seq = MR_TRY_VALUE(c.journal.record(DeleteMacvlan{d.name, parent.name, parent.index}));
  if (auto held = c.lease(seq, parent.index, LeaseRole::parent, parent.name); !held)
    return c.void_step(seq, std::move(held).error());
  auto made = c.faults.step("macvlan " + d.name);
  if (made)
    made = create_macvlan(t.host, {.name = d.name, .parent_index = parent.index, .mode = mv.mode,
                                   .target = &t.container,
                                   .settings = {.mtu = d.mtu, .mac = d.mac}});  // up after its addresses
  // Creating a link is all or nothing (rtnl_newlink_create() unregisters on failure).
  if (!made) return c.void_step(seq, std::move(made).error());
  auto link = MR_TRY_VALUE(get_link(t.container_nl, d.name));
  return AppliedDevice{d.name, link.index, "", d.origin};
}

void encode_record(const DeleteMacvlan& m, RecordFields& f) {
  f.add("ctr", m.ctr_name);
  if (m.parent_index > 0) {
    f.add("parent", m.parent);
    f.add("parent_index", static_cast<uint64_t>(m.parent_index));
  }
}

Result<DeleteMacvlan> decode_record(const ParsedRecord& p, std::type_identity<DeleteMacvlan>) {
  DeleteMacvlan m;
  m.ctr_name = MR_TRY_VALUE(p.name("ctr"));
  if (!p.all("parent_index").empty()) {
    m.parent = MR_TRY_VALUE(p.name("parent"));
    m.parent_index = MR_TRY_VALUE(p.num<int>("parent_index"));
    if (m.parent_index <= 0) return fail(EINVAL, "bad parent ifindex");
  }
  return m;
}

std::string describe(const DeleteMacvlan& m) { return "delete macvlan " + m.ctr_name; }

Result<void> undo_device(const DeleteMacvlan& m, UndoContext& c) {
  NlSocket* ctr = c.container_nl();
  if (!ctr) return {};  // it died with its namespace
  auto link = MR_TRY_VALUE(find_link(*ctr, m.ctr_name));
  // One the workload deleted, replaced or renamed is the workload's: it goes with the
  // namespace, and nothing of the host's is in it.
  if (!link || !MR_TRY_VALUE(is_our_macvlan(*link, m, *ctr, c.targets.host_ns))) return {};
  if (c.targets.namespace_ends) return {};
  return UndoContext::ignore_gone(delete_link(*ctr, link->index));
}

Result<std::optional<LinkInfo>> find_live(const DeleteMacvlan& m, LentPlaces& at) {
  auto link = MR_TRY_VALUE(find_link(*at.container_nl, m.ctr_name));
  if (!link || !MR_TRY_VALUE(is_our_macvlan(*link, m, *at.container_nl, at.host_ns)))
    return std::optional<LinkInfo>();
  return link;
}

Result<LinkOrigin> origin_of(const DeleteMacvlan&, NlSocket& host, const LinkInfo& link) {
  LinkOrigin o{.source = LinkSource::macvlan};
  // IFLA_LINK names the parent by its index in the parent's namespace: the host's,
  // where apply() made it.
  if (link.parent_elsewhere && link.parent) {
    auto parent = MR_TRY_VALUE(find_link_index(host, link.parent));
    if (parent) o.host_name = parent->name;
  }
  return o;
}

ExportedDevice export_device(const ShownLink& l, std::type_identity<DeleteMacvlan>) {
  if (l.origin.host_name.empty()) return {std::nullopt, "link " + l.link.name + ": macvlan whose parent is not on the host"};
  // Its MAC is left out: random unless the spec set it, which is not known here; copied,
  // it would give a second container the first one's MAC on the same parent.
  DeviceConfig d = exported_basics(l);
  d.kind = MacvlanDevice{l.origin.host_name, static_cast<MacvlanMode>(l.link.macvlan_mode)};
  return {std::move(d), ""};
}

}  // namespace mr::netns

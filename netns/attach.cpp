#include "netns/attach.hpp"

#include <dirent.h>

#include <memory>
#include <optional>

#include "netns/config_check.hpp"
#include "netns/lease.hpp"
#include "netns/link.hpp"

namespace mr::netns {

namespace {

std::unexpected<Error> refuse(const DeviceConfig& d, int err, std::string what) {
  auto e = sys_error(err, "attach " + d.name + ": " + std::move(what));
  e.pointer = d.origin;
  return std::unexpected(std::move(e));
}

// The container name of a moved device the journal still lends to its container.
std::optional<std::string> lent_as(const Journal& journal, const std::string& host_name) {
  for (const JournalEntry* e : journal.pending())
    if (auto* r = std::get_if<ReturnLink>(&e->step); r && r->host_name == host_name)
      return e->arrived_name.value_or(r->ctr_name);
  return std::nullopt;
}

struct Lender {
  std::string id;
  std::string as;
};

// The container under `root` whose journal lends it host device `host_name`. Only read to
// word a refusal: a directory without a journal, or one that does not read back (being
// written, or damaged), lends nothing.
std::optional<Lender> lent_under(const std::string& root, const std::string& host_name) {
  if (root.empty()) return std::nullopt;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(root.c_str()), &::closedir);
  if (!d) return std::nullopt;
  while (dirent* e = ::readdir(d.get())) {
    std::string id = e->d_name;
    if (id == "." || id == ".." || e->d_type != DT_DIR) continue;
    auto journal = Journal::open(ContainerNetworkDir{root + "/" + id}.journal_path());
    if (!journal) continue;
    if (auto as = lent_as(*journal, host_name)) return Lender{id, *as};
  }
  return std::nullopt;
}

// `use`: how the device would be held (none for a bridge, which is shared freely).
Result<void> check_on_host(const DeviceConfig& d, OpenContainerNetwork& net, const std::string& name,
                           const std::string& role, const std::string& root, std::optional<LeaseRole> use) {
  Leases leases(default_lease_dir());
  if (auto link = MR_TRY_VALUE(find_link(net.host, name))) {
    if (!use) return {};
    auto key = MR_TRY_VALUE(lease_key(net.host, link->index));
    for (const auto& h : MR_TRY_VALUE(leases.holders(key)))
      if (excludes(h.role, *use))
        return refuse(d, EBUSY, role + " " + name + " is taken: " + describe(h));
    return {};
  }
  if (auto as = lent_as(net.journal, name))
    return refuse(d, EBUSY, role + " " + name + " is in this container already (as " + *as + ")");
  if (auto lender = lent_under(root, name))
    return refuse(d, EBUSY, role + " " + name + " is in container \"" + lender->id + "\" (as " + lender->as + ")");
  // Lent through another front door, or under another root.
  auto here = MR_TRY_VALUE(lease_key(net.host, 0));
  for (const auto& h : MR_TRY_VALUE(leases.holders_of_name(here.netns_cookie, name)))
    if (h.role == LeaseRole::moved) return refuse(d, EBUSY, role + " " + name + " is not on the host: " + describe(h));
  return refuse(d, ENODEV, role + " " + name + " is not on the host, and no container here holds it");
}

}  // namespace

Result<void> check_attachable(const DeviceConfig& d, OpenContainerNetwork& net, const std::string& veth_host,
                              const std::string& root) {
  if (!is_name_template(d.name))
    if (auto taken = MR_TRY_VALUE(find_link(net.container_nl, d.name)))
      return refuse(d, EEXIST, "the container has a device named " + d.name + " already" +
                                   (taken->kind.empty() ? "" : " (a " + taken->kind + ")"));
  if (auto* m = std::get_if<MoveDevice>(&d.kind))
    return check_on_host(d, net, m->host_name, "host device", root, LeaseRole::moved);
  if (auto* mv = std::get_if<MacvlanDevice>(&d.kind))
    return check_on_host(d, net, mv->parent, "macvlan parent", root, LeaseRole::parent);
  // A network's own checks (its bridge, a free address) are made under its pool's lock.
  if (std::holds_alternative<NetworkDevice>(d.kind)) return {};
  const auto& v = std::get<VethDevice>(d.kind);
  if (!veth_host.empty() && MR_TRY_VALUE(find_link(net.host, veth_host)))
    return refuse(d, EEXIST, "veth host end " + veth_host + " exists on the host already");
  if (v.bridge) {
    MR_TRY(check_on_host(d, net, *v.bridge, "bridge", root, std::nullopt));
    if (auto br = MR_TRY_VALUE(get_link(net.host, *v.bridge)); br.kind != "bridge")
      return refuse(d, EINVAL, *v.bridge + " on the host is not a bridge");
  }
  return {};
}

Result<AppliedDevice> attach_device(const ContainerNetworkDir& where, const DeviceConfig& device,
                                    const AttachOptions& opts) {
  MR_TRY_CTX(check_config({.loopback_up = false, .devices = {device}}, opts.container_id), "attach " + device.name);
  auto net = MR_TRY_VALUE(open_container_network(where));
  // Every device records one step, so the journal's length is a position no device of
  // this container has used: a derived veth host end gets a name of its own (apply()
  // picks a free variant of it).
  size_t position = net.journal.entries().size();
  std::string veth_host;
  if (auto* v = std::get_if<VethDevice>(&device.kind)) veth_host = v->host_name;
  MR_TRY(check_attachable(device, net, veth_host, opts.root));
  auto targets = net.apply_targets(opts.container_id);
  return apply_device(device, targets, net.journal, position);
}

}  // namespace mr::netns

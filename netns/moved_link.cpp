#include "netns/moved_link.hpp"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <cstdio>

#include "netns/link_config.hpp"
#include "netns/link_proof.hpp"
#include "netns/namespace.hpp"
#include "netns/snapshot.hpp"

namespace mr::netns {

namespace {

// Far above the indexes the kernel hands out one by one in a namespace (dev_index_reserve
// counts up from the last one), so it is free in practice when the preferred ones are not.
constexpr int kSpareIndexBase = 1 << 20;

bool is_template(std::string_view name) { return name.find('%') != std::string_view::npos; }

// A name return_link() gives: the device's own, its fallback, or one the kernel chose
// from "mrret%d".
bool is_return_name(std::string_view name, const ReturnLink& r) {
  if (name == r.host_name || name == fallback_name(r)) return true;
  if (!name.starts_with("mrret") || name.size() == 5) return false;
  return name.find_first_not_of("0123456789", 5) == std::string_view::npos;
}

}  // namespace

Result<ReturnLink> capture_host_link(NlSocket& host, std::string_view name) {
  // The device can leave between the lookup and the address or route dumps (another
  // container taking it): every failure says which host device, not just its index.
  auto captured = capture_link(host, name);
  if (!captured) return std::unexpected(std::move(captured).error().wrap("host device " + std::string(name)));
  auto& state = *captured;
  const LinkInfo& link = state.link;
  ReturnLink r;
  r.host_name = link.name;
  r.host_index = link.index;
  r.kind = link.kind;
  r.proof = proof_of(link);
  r.mtu = link.mtu;
  r.mac = link.mac;
  r.up = link.up();
  if (auto rest = capture_link_config(host, std::move(state), r); !rest)
    return std::unexpected(std::move(rest).error().wrap("host device " + std::string(name)));
  return r;
}

Result<int> choose_free_ifindex(NlSocket& s, std::initializer_list<int> preferred) {
  std::vector<int> candidates;
  for (int i : preferred)
    if (i > 0) candidates.push_back(i);
  for (int i : preferred)
    if (i > 0) candidates.push_back(kSpareIndexBase + i);
  for (int i : candidates) {
    auto r = get_link(s, i);
    if (!r && r.error().err == ENODEV) return i;
    if (!r) return std::unexpected(std::move(r).error());
  }
  return fail(EBUSY, "no free ifindex in " + s.where());
}

Result<void> move_link_with(NlSocket& from, int index, const Netns& to, const LinkSettings& settings,
                            int new_index) {
  if (settings.name) MR_TRY(check_ifname(*settings.name));
  nl::Message m(RTM_NEWLINK, 0);
  m.put(make_ifinfo(index, settings));
  m.attr_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(to.fd()));
  if (new_index > 0) m.attr_s32(IFLA_NEW_IFINDEX, new_index);
  put_settings(m, settings, false);
  std::string what = "move link index " + std::to_string(index) + " from " + from.where() + " to " + to.name();
  if (settings.name) what += " as " + *settings.name;
  MR_TRY_CTX(from.call(m), what);
  return {};
}

std::string fallback_name(const ReturnLink& r) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "mr-ret-%x", static_cast<unsigned>(r.host_index));
  return buf;
}

Result<ReturnedLink> return_link(const ReturnLink& r, int ctr_index, LentPlaces& at) {
  NlSocket& ctr = *at.container_nl;
  NlSocket& host = at.host;
  // Choosing the index on the host too means that, whatever part of a request fails,
  // the device is found again by it.
  int home_index = MR_TRY_VALUE(choose_free_ifindex(host, {r.host_index, r.ctr_index}));
  std::string names[] = {r.host_name, fallback_name(r), "mrret%d"};
  Error last;
  bool home = false;
  for (const auto& name : names) {
    // Only the name: nothing of the host's (MTU, MAC, up state, addresses) is given to a
    // device until it is proven home.
    auto moved = move_link_with(ctr, ctr_index, at.host_ns, {.name = name}, home_index);
    if (moved) {
      home = true;
      break;
    }
    last = std::move(moved).error();
    // The namespace change happens before the rename: if the device left the container,
    // it is on the host at home_index and only the rest of the request failed.
    auto still = get_link(ctr, ctr_index);
    if (!still && still.error().err == ENODEV) {
      home = true;
      break;
    }
    if (last.err != EEXIST) break;
  }
  if (!home) return std::unexpected(std::move(last).wrap("return " + r.host_name));
  // Proven before the move, and again now: a workload with CAP_NET_ADMIN racing the
  // return could have swapped the device between the check and the move. One that is
  // not the device goes back where it came from.
  if (!MR_TRY_VALUE(proven_on_host(r, home_index, at))) {
    std::string fate = "sent back to the container";
    if (auto back = move_link_with(host, home_index, *at.container, {.name = std::string("mrback%d")}, 0); !back) {
      auto left = get_link(host, home_index);
      fate = "left on the host, down, as " + (left ? left->name : "link " + std::to_string(home_index));
    }
    return fail(EPERM, "return " + r.host_name + ": the link that left the container is not it (it should be " +
                           describe(r.proof) + "): " + fate);
  }
  return restore_home_link(host, home_index, r);
}

Result<ReturnedLink> restore_home_link(NlSocket& host, int index, const ReturnLink& r) {
  auto link = MR_TRY_VALUE(get_link(host, index));
  ReturnedLink out{link.name, link.name != r.host_name};
  if (!is_return_name(link.name, r)) {
    // A running device cannot be renamed (netif_change_name() says EBUSY).
    if (link.up()) MR_TRY(set_link_up(host, index, false));
    for (std::string name : {r.host_name, fallback_name(r), std::string("mrret%d")}) {
      auto renamed = rename_link(host, index, name);
      if (renamed) {
        out = {is_template(name) ? MR_TRY_VALUE(get_link(host, index)).name : name, name != r.host_name};
        break;
      }
      if (renamed.error().err != EEXIST) return std::unexpected(std::move(renamed).error());
    }
  }
  // Only what differs: some drivers refuse a MAC change while running, even to the same
  // address, and an empty change costs nothing.
  auto now = MR_TRY_VALUE(get_link(host, index));
  LinkSettings s;
  if (now.mtu != r.mtu) s.mtu = r.mtu;
  if (r.mac && now.mac != r.mac) s.mac = r.mac;
  if (now.up() != r.up || s.mac) s.up = r.up;
  if (s.mac && now.up()) MR_TRY(set_link_up(host, index, false));
  if (s.mtu || s.mac || s.up) MR_TRY(change_link(host, index, s));
  out.not_restored = MR_TRY_VALUE(restore_link_config(host, index, r));
  return out;
}

}  // namespace mr::netns

#include "netns/link_proof.hpp"

#include <optional>

#include "netns/journal_format.hpp"
#include "netns/moved_link.hpp"
#include "netns/namespace.hpp"
#include "netns/nsid.hpp"
#include "netns/snapshot.hpp"

namespace mr::netns {

namespace {

using Mismatch = std::optional<std::string>;  // empty: proven

std::string link_text(const LinkInfo& l) {
  return "link " + std::to_string(l.index) + " (" + l.name + (l.kind.empty() ? "" : ", a " + l.kind) + ")";
}

// A lookup by index that finds nothing is an answer, not a failure.
Result<std::optional<LinkInfo>> find_index(Result<LinkInfo> link) {
  if (!link && (link.error().err == ENODEV || link.error().err == EINVAL)) return std::optional<LinkInfo>();
  if (!link) return std::unexpected(std::move(link).error());
  return std::optional<LinkInfo>(std::move(*link));
}

// The recorded veth peer, where it stayed (the host, or the namespace the host calls
// peer_nsid; EINVAL there means no namespace has that id any more).
Result<std::optional<LinkInfo>> recorded_peer(const LinkProof& p, NlSocket& host) {
  if (p.peer_nsid == kNoNsid) return find_index(get_link(host, p.peer_index));
  return find_index(get_link_in(host, p.peer_nsid, p.peer_index));
}

std::string peer_text(const LinkProof& p) {
  std::string where = p.peer_nsid == kNoNsid ? "the host" : "the namespace the host calls " + std::to_string(p.peer_nsid);
  return "link " + std::to_string(p.peer_index) + " of " + where;
}

enum class Side { container, host };

// Whether `c`, seen through the socket of `side`, is the device that `r` records.
Result<Mismatch> mismatch(const ReturnLink& r, const LinkInfo& c, Side side, LentPlaces& at) {
  const LinkProof& p = r.proof;
  if (c.kind != r.kind) return Mismatch("it is " + (c.kind.empty() ? std::string("a physical device") : "a " + c.kind));
  switch (p.kind) {
    case LinkProof::Kind::none: return Mismatch();
    case LinkProof::Kind::hardware:
      if (c.perm_mac != p.perm_mac)
        return Mismatch("its permanent address is " + (c.perm_mac ? c.perm_mac->to_string() : std::string("none")) +
                        ", not " + (p.perm_mac ? p.perm_mac->to_string() : std::string("none")));
      if (c.parent_dev != p.parent_dev || c.parent_bus != p.parent_bus)
        return Mismatch("it sits on bus device " + c.parent_bus + ":" + c.parent_dev + ", not " + p.parent_bus + ":" +
                        p.parent_dev);
      return Mismatch();
    case LinkProof::Kind::lower: {
      if (c.parent != p.peer_index) return Mismatch("its lower device is not link " + std::to_string(p.peer_index) + " of the host");
      if (side == Side::host) {
        if (c.parent_elsewhere) return Mismatch("its lower device is in another namespace");
        return Mismatch();
      }
      int host_id = MR_TRY_VALUE(nsid_of(*at.container_nl, at.host_ns));
      if (!c.parent_elsewhere || c.link_netnsid != host_id) return Mismatch("its lower device is not on the host");
      return Mismatch();
    }
    case LinkProof::Kind::veth: {
      if (c.parent != p.peer_index) return Mismatch("its veth peer is not " + peer_text(p));
      auto peer = MR_TRY_VALUE(recorded_peer(p, at.host));
      if (!peer || peer->kind != "veth") return Mismatch("its veth peer " + peer_text(p) + " is gone");
      if (peer->parent != c.index) return Mismatch("the veth peer " + peer_text(p) + " is paired with another link");
      // The peer names the namespace of its other end in the host's terms.
      bool peer_home = p.peer_nsid == kNoNsid;
      if (side == Side::host) {
        if (peer_home ? peer->parent_elsewhere : peer->link_netnsid != MR_TRY_VALUE(nsid_of(at.host, at.host_ns)))
          return Mismatch("the veth peer " + peer_text(p) + " is paired with a link in another namespace");
        return Mismatch();
      }
      if (!peer->parent_elsewhere || peer->link_netnsid != MR_TRY_VALUE(nsid_of(at.host, *at.container)))
        return Mismatch("the veth peer " + peer_text(p) + " is paired with a link outside the container");
      return Mismatch();
    }
  }
  return Mismatch("unknown proof");
}

// A link that is not the device, found where the device should be: named in the report,
// since it is left alone.
std::string stranger(const LinkInfo& l, const std::string& why) {
  return link_text(l) + " is not it (" + why + "): left alone";
}

void note(std::string& why, const std::string& more) { why += (why.empty() ? "" : "; ") + more; }

Result<Whereabouts> locate_veth(const ReturnLink& r, LentPlaces& at) {
  const LinkProof& p = r.proof;
  auto peer = MR_TRY_VALUE(recorded_peer(p, at.host));
  Whereabouts w;
  if (!peer || peer->kind != "veth") {
    w = {Place::gone, 0, "its veth peer " + peer_text(p) + " is gone, and a veth goes with its peer"};
  } else {
    // The kernel keeps the pair: the peer says where its other end is now.
    w = {Place::elsewhere, peer->parent, ""};
    if (!peer->parent_elsewhere) {
      if (p.peer_nsid == kNoNsid) w.place = Place::host;
    } else if (at.container && peer->link_netnsid == MR_TRY_VALUE(nsid_of(at.host, *at.container))) {
      w.place = Place::container;
    } else if (p.peer_nsid != kNoNsid && peer->link_netnsid == MR_TRY_VALUE(nsid_of(at.host, at.host_ns))) {
      w.place = Place::host;
    }
    if (w.place == Place::elsewhere)
      w.why = "its veth peer " + peer_text(p) + " is paired with link " + std::to_string(peer->parent) +
              " of another namespace, not the container's";
  }
  if (w.place != Place::container && at.container_nl)
    if (auto there = MR_TRY_VALUE(find_index(get_link(*at.container_nl, r.ctr_index))))
      note(w.why, stranger(*there, "it is not the veth peer of " + peer_text(p)));
  return w;
}

// Hardware and devices on a lower device: looked for where the device can be, each
// candidate checked against the proof.
Result<Whereabouts> locate_by_checks(const ReturnLink& r, LentPlaces& at) {
  const LinkProof& p = r.proof;
  if (p.kind == LinkProof::Kind::lower && !MR_TRY_VALUE(find_index(get_link(at.host, p.peer_index))))
    return Whereabouts{Place::gone, 0, "its lower device, link " + std::to_string(p.peer_index) +
                                           " of the host, is gone, and it with it"};
  std::string why;
  if (at.container_nl) {
    if (auto there = MR_TRY_VALUE(find_index(get_link(*at.container_nl, r.ctr_index)))) {
      auto off = MR_TRY_VALUE(mismatch(r, *there, Side::container, at));
      if (!off) return Whereabouts{Place::container, there->index, ""};
      note(why, stranger(*there, *off));
    }
    // The workload may have moved it out and back, which can change its ifindex.
    for (const auto& l : MR_TRY_VALUE(list_links(*at.container_nl)))
      if (l.index != r.ctr_index && !MR_TRY_VALUE(mismatch(r, l, Side::container, at)))
        return Whereabouts{Place::container, l.index, why};
  }
  for (auto found : {find_link(at.host, r.host_name), find_link(at.host, fallback_name(r))}) {
    if (!found) return std::unexpected(std::move(found).error());
    if (*found && !MR_TRY_VALUE(mismatch(r, **found, Side::host, at))) return Whereabouts{Place::host, (*found)->index, why};
  }
  // Sent home by the kernel when a namespace it was in died (as "devN", keeping its
  // index when free), or by an earlier undo under a name chosen by the kernel.
  if (auto by_index = MR_TRY_VALUE(find_index(get_link(at.host, r.host_index))))
    if (!MR_TRY_VALUE(mismatch(r, *by_index, Side::host, at))) return Whereabouts{Place::host, by_index->index, why};
  if (p.kind == LinkProof::Kind::hardware)
    for (const auto& l : MR_TRY_VALUE(list_links(at.host)))
      if (!MR_TRY_VALUE(mismatch(r, l, Side::host, at))) return Whereabouts{Place::host, l.index, why};
  note(why, "it is not in the container nor on the host");
  return Whereabouts{Place::elsewhere, 0, why};
}

// Records without a proof: by ifindex and kind in the container, by name and kind on the host.
Result<Whereabouts> locate_unproven(const ReturnLink& r, LentPlaces& at) {
  if (at.container_nl)
    if (auto there = MR_TRY_VALUE(find_index(get_link(*at.container_nl, r.ctr_index))); there && there->kind == r.kind)
      return Whereabouts{Place::container, there->index, ""};
  for (auto found : {find_link(at.host, r.host_name), find_link(at.host, fallback_name(r))}) {
    if (!found) return std::unexpected(std::move(found).error());
    if (*found && (*found)->kind == r.kind) return Whereabouts{Place::host, (*found)->index, ""};
  }
  if (auto by_index = MR_TRY_VALUE(find_index(get_link(at.host, r.host_index)));
      by_index && by_index->kind == r.kind && by_index->name.starts_with("dev"))
    return Whereabouts{Place::host, by_index->index, ""};
  return Whereabouts{Place::elsewhere, 0, "device not found in the container nor on the host"};
}

}  // namespace

LinkProof proof_of(const LinkInfo& link) {
  LinkProof p;
  if (link.perm_mac || !link.parent_dev.empty()) {
    p.kind = LinkProof::Kind::hardware;
    p.perm_mac = link.perm_mac;
    p.parent_dev = link.parent_dev;
    p.parent_bus = link.parent_bus;
  } else if (link.kind == "veth" && link.parent > 0) {
    p.kind = LinkProof::Kind::veth;
    p.peer_index = link.parent;
    p.peer_nsid = link.parent_elsewhere ? link.link_netnsid : kNoNsid;
  } else if (link.parent > 0 && link.parent != link.index && !link.parent_elsewhere) {
    p.kind = LinkProof::Kind::lower;
    p.peer_index = link.parent;
  }
  return p;
}

std::string describe(const LinkProof& p) {
  switch (p.kind) {
    case LinkProof::Kind::none: return "nothing that proves it";
    case LinkProof::Kind::hardware:
      return "hardware with permanent address " + (p.perm_mac ? p.perm_mac->to_string() : std::string("none")) +
             (p.parent_dev.empty() ? "" : " on " + p.parent_bus + " device " + p.parent_dev);
    case LinkProof::Kind::veth: return "a veth whose peer is " + peer_text(p);
    case LinkProof::Kind::lower: return "a device on link " + std::to_string(p.peer_index) + " of the host";
  }
  return "?";
}

Result<Whereabouts> locate(const ReturnLink& r, LentPlaces& at) {
  switch (r.proof.kind) {
    case LinkProof::Kind::none: return locate_unproven(r, at);
    case LinkProof::Kind::veth: return locate_veth(r, at);
    case LinkProof::Kind::hardware:
    case LinkProof::Kind::lower: return locate_by_checks(r, at);
  }
  return fail(EINVAL, "unknown proof");
}

Result<bool> proven_on_host(const ReturnLink& r, int index, LentPlaces& at) {
  auto link = MR_TRY_VALUE(find_index(get_link(at.host, index)));
  return link && !MR_TRY_VALUE(mismatch(r, *link, Side::host, at));
}

Result<std::optional<VethEnds>> our_veth(NlSocket& host, const Netns& container, const std::string& host_name) {
  auto end = MR_TRY_VALUE(find_link(host, host_name));
  if (!end || end->kind != "veth" || !end->parent_elsewhere) return std::optional<VethEnds>();
  // Read after the link: its dump gave the container's namespace an id if it had none.
  if (end->link_netnsid != MR_TRY_VALUE(nsid_of(host, container))) return std::optional<VethEnds>();
  return std::optional<VethEnds>(VethEnds{*end, end->parent});
}

}  // namespace mr::netns

#include "netns/teardown.hpp"

#include <algorithm>
#include <optional>

#include "netns/config_check.hpp"
#include "base/fault.hpp"
#include "netns/link.hpp"
#include "netns/link_proof.hpp"
#include "netns/moved_link.hpp"
#include "netns/namespace.hpp"
#include "netns/nsid.hpp"

namespace mr::netns {

namespace {

class Undoer {
 public:
  Undoer(Journal& journal, UndoTargets& t) : journal_(journal), t_(t) {}

  // Every pending step, or only those in `only`.
  UndoReport run(const std::vector<uint64_t>* only = nullptr) {
    std::vector<const JournalEntry*> todo;
    for (const JournalEntry* e : journal_.pending())
      if (!only || std::find(only->begin(), only->end(), e->seq) != only->end()) todo.push_back(e);
    if (todo.empty()) return std::move(report_);
    if (auto opened = open_container(); !opened) {
      report_.failures.push_back(std::move(opened).error());
      return std::move(report_);
    }
    for (const JournalEntry* e : todo) {
      uint64_t seq = e->seq;
      std::string what = "undo " + describe(e->step);
      auto r = faults_.step(what);
      if (r) r = std::visit([&](const auto& step) { return undo(*e, step); }, e->step);
      if (r) r = journal_.done(seq);
      if (r) r = release_lease(leases_, journal_, seq);
      if (!r) report_.failures.push_back(std::move(r).error().wrap(what));
    }
    return std::move(report_);
  }

 private:
  Result<void> open_container() {
    if (!t_.container || t_.container_nl) return {};
    auto s = MR_TRY_VALUE(NlSocket::open_in(*t_.container));
    own_ctr_.emplace(std::move(s));
    t_.container_nl = &*own_ctr_;
    return {};
  }
  NlSocket* ctr() { return t_.container_nl; }

  Result<void> undo(const JournalEntry&, const DeleteVeth& v) {
    // Only a pair whose other end is in the container's namespace is the one we made:
    // the name may be another container's or the administrator's by now. With the
    // namespace gone, so is our pair (the kernel deletes a namespace's veths, peers and
    // all), and a link of that name on the host is not ours.
    if (!t_.container) return {};
    auto ours = MR_TRY_VALUE(our_veth(t_.host, *t_.container, v.host_name));
    if (!ours) {
      if (MR_TRY_VALUE(find_link(t_.host, v.host_name)))
        warn(0, "veth host end " + v.host_name + " on the host is not the container's any more (its peer is not "
                    "in the container's namespace): left alone");
      return {};
    }
    // A host end the spec named keeps its name until the kernel's cleanup_net() work runs,
    // after the caller has returned: the next container asking for that name would find
    // it taken. Those are deleted here, RCU wait and all; a derived name has variants for
    // a dying namespace of the same id (derived_veth_name), so it may be left to the
    // namespace's end, which deletes the pair off the caller's path.
    if (t_.namespace_ends && is_derived_veth_name(v.host_name)) return {};
    return ignore_gone(delete_link(t_.host, ours->host_end.index));
  }

  Result<void> undo(const JournalEntry&, const DeleteMacvlan& m) {
    if (!ctr()) return {};  // it died with its namespace
    auto link = MR_TRY_VALUE(find_link(*ctr(), m.ctr_name));
    // One the workload deleted, replaced or renamed is the workload's: it goes with the
    // namespace, and nothing of the host's is in it.
    if (!link || !MR_TRY_VALUE(is_our_macvlan(*link, m))) return {};
    if (t_.namespace_ends) return {};
    return ignore_gone(delete_link(*ctr(), link->index));
  }

  // A macvlan whose parent is the recorded one on the host (the parent's index in
  // records that have it; else any host device).
  Result<bool> is_our_macvlan(const LinkInfo& link, const DeleteMacvlan& m) {
    if (link.kind != "macvlan" || !link.parent_elsewhere) return false;
    if (m.parent_index > 0 && link.parent != m.parent_index) return false;
    return link.link_netnsid == MR_TRY_VALUE(nsid_of(*ctr(), t_.host_ns));
  }

  Result<void> undo(const JournalEntry&, const ReturnLink& r) {
    LentPlaces at{t_.host, t_.host_ns, t_.container, ctr()};
    auto w = MR_TRY_VALUE(locate(r, at));
    switch (w.place) {
      case Place::container: {
        (void)return_faults_.step("return " + r.host_name);
        auto back = MR_TRY_VALUE(return_link(r, w.index, at));
        report(r, back);
        if (!w.why.empty()) warn(0, r.host_name + ": " + w.why);
        return {};
      }
      case Place::host:
        // Never moved (a crash before the move), returned by an earlier undo, or sent
        // home by the kernel when a namespace it was in died.
        MR_TRY(restore(r, w.index));
        if (!w.why.empty()) warn(0, r.host_name + ": " + w.why);
        return {};
      case Place::gone:
        warn(0, r.host_name + " was destroyed while lent to the container, so there is nothing to return: " + w.why);
        return {};
      case Place::elsewhere: break;
    }
    return fail(ENODEV, r.host_name + " is not back: " + w.why);
  }

  Result<void> restore(const ReturnLink& r, int index) {
    auto back = MR_TRY_VALUE(restore_home_link(t_.host, index, r));
    report(r, back);
    return {};
  }

  void report(const ReturnLink& r, const ReturnedLink& back) {
    report_.returned.push_back({r.host_name, back.name, back.fallback});
    report_.warnings.insert(report_.warnings.end(), back.not_restored.begin(), back.not_restored.end());
  }

  void warn(int err, std::string what) { report_.warnings.push_back(sys_error(err, std::move(what))); }

  static Result<void> ignore_gone(Result<void> r) {
    if (!r && r.error().err == ENODEV) return {};
    return r;
  }

  Journal& journal_;
  UndoTargets& t_;
  std::optional<NlSocket> own_ctr_;
  UndoReport report_;
  // MR_PAUSE_AT_UNDO_STEP=N: a delete killed half way (undo never fails on purpose).
  FaultInjector faults_ = FaultInjector::pausing_at("MR_PAUSE_AT_UNDO_STEP");
  // MR_PAUSE_IN_RETURN=N: the Nth lent device found in the container, proven, and not
  // yet moved (a test swaps it there).
  FaultInjector return_faults_ = FaultInjector::pausing_at("MR_PAUSE_IN_RETURN");
  Leases leases_{default_lease_dir()};
};

}  // namespace

namespace {

UndoReport run_undo(Journal& journal, UndoTargets& targets, const std::vector<uint64_t>* only) {
  NlSocket* given = targets.container_nl;
  auto report = Undoer(journal, targets).run(only);
  targets.container_nl = given;  // never leave a pointer to the socket the undoer owned
  return report;
}

}  // namespace

UndoReport undo_pending(Journal& journal, UndoTargets& targets) { return run_undo(journal, targets, nullptr); }

UndoReport undo_steps(Journal& journal, UndoTargets& targets, const std::vector<uint64_t>& seqs) {
  return run_undo(journal, targets, &seqs);
}

Result<UndoReport> undo(Journal& journal, UndoTargets& targets) {
  auto report = undo_pending(journal, targets);
  if (report.failures.empty()) return report;
  Error first = std::move(report.failures.front());
  if (report.failures.size() > 1)
    first = std::move(first).wrap("undo (" + std::to_string(report.failures.size() - 1) + " more steps failed)");
  return std::unexpected(std::move(first));
}

}  // namespace mr::netns

#include "netns/teardown.hpp"

#include <algorithm>
#include <optional>

#include "netns/config_check.hpp"
#include "netns/fault.hpp"
#include "netns/link.hpp"
#include "netns/moved_link.hpp"
#include "netns/namespace.hpp"

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

  // Whether a device made for the container is still in its namespace, which ends once
  // the caller lets go of it: the kernel's namespace cleanup then deletes it (a veth with
  // its host end), paying the RCU grace periods off the caller's path. Anything
  // unexpected (renamed, moved out, a failed lookup) takes the explicit path.
  bool dies_with_namespace(const std::string& ctr_name, std::string_view kind) {
    if (!t_.namespace_ends || !ctr()) return false;
    auto link = find_link(*ctr(), ctr_name);
    return link && *link && (*link)->kind == kind;
  }

  Result<void> undo(const JournalEntry&, const DeleteVeth& v) {
    // A host end the spec named keeps its name until the kernel's cleanup_net() work runs,
    // after the caller has returned: the next container asking for that name would find
    // it taken. Those are deleted here, RCU wait and all; a derived name has variants for
    // a dying namespace of the same id (derived_veth_name), so it may be left.
    if (is_derived_veth_name(v.host_name) && dies_with_namespace(v.ctr_name, "veth")) return {};
    // With the container gone, the kernel has deleted the pair already.
    auto link = MR_TRY_VALUE(find_link(t_.host, v.host_name));
    if (!link) return {};
    if (link->kind != "veth") return fail(EEXIST, v.host_name + " on the host is not a veth: left alone");
    return ignore_gone(delete_link(t_.host, link->index));
  }

  Result<void> undo(const JournalEntry&, const DeleteMacvlan& m) {
    if (!ctr()) return {};  // it died with its namespace
    if (dies_with_namespace(m.ctr_name, "macvlan")) return {};
    auto link = MR_TRY_VALUE(find_link(*ctr(), m.ctr_name));
    if (!link) return {};
    if (link->kind != "macvlan") return fail(EEXIST, m.ctr_name + " in the container is not a macvlan: left alone");
    return ignore_gone(delete_link(*ctr(), link->index));
  }

  Result<void> undo(const JournalEntry&, const ReturnLink& r) {
    if (ctr()) {
      auto there = get_link(*ctr(), r.ctr_index);
      if (there && there->kind == r.kind) {
        auto back = MR_TRY_VALUE(return_link(*ctr(), r, t_.host, t_.host_ns));
        report(r, back);
        return {};
      }
      if (!there && there.error().err != ENODEV) return std::unexpected(std::move(there).error());
    }
    // Not in the container: never moved (a crash before the move), already returned by
    // an earlier undo, or sent home by the kernel when the namespace died (as "devN",
    // keeping its index when free).
    for (auto found : {find_link(t_.host, r.host_name), find_link(t_.host, fallback_name(r))}) {
      if (!found) return std::unexpected(std::move(found).error());
      if (*found && (*found)->kind == r.kind) return restore(r, (*found)->index);
    }
    if (auto by_index = get_link(t_.host, r.host_index); by_index && by_index->kind == r.kind &&
                                                          by_index->name.starts_with("dev"))
      return restore(r, by_index->index);
    return fail(ENODEV, "device not found in the container nor on the host");
  }

  Result<void> restore(const ReturnLink& r, int index) {
    auto back = MR_TRY_VALUE(restore_home_link(t_.host, index, r));
    report(r, back);
    return {};
  }

  void report(const ReturnLink& r, const ReturnedLink& back) {
    report_.returned.push_back({r.host_name, back.name, back.fallback});
  }

  static Result<void> ignore_gone(Result<void> r) {
    if (!r && r.error().err == ENODEV) return {};
    return r;
  }

  Journal& journal_;
  UndoTargets& t_;
  std::optional<NlSocket> own_ctr_;
  UndoReport report_;
  FaultInjector faults_ = FaultInjector::for_undo();
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

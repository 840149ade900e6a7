#include "netns/teardown.hpp"

#include <algorithm>
#include <optional>

#include "base/fault.hpp"
#include "netns/device_recipe.hpp"

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
    UndoContext recipes(t_, report_, return_faults_);
    if (auto opened = open_container(); !opened) {
      report_.failures.push_back(std::move(opened).error());
      return std::move(report_);
    }
    for (const JournalEntry* e : todo) {
      uint64_t seq = e->seq;
      std::string what = "undo " + describe(e->step);
      auto r = faults_.step(what);
      recipes.journal_path = journal_.path();
      recipes.seq = seq;
      if (r) r = std::visit([&](const auto& step) { return undo_device(step, recipes); }, e->step);
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

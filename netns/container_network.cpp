#include "netns/container_network.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns/lease.hpp"
#include "netns/namespace.hpp"
#include "base/proc_stat.hpp"
#include "base/unique_fd.hpp"

namespace mr::netns {

namespace {

bool exists(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0;
}

Result<void> remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail(errno, "remove " + path);
  return {};
}

Result<void> write_new_file(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return fail(errno, "create " + path);
  if (!text.empty() && ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return fail(errno, "write " + path);
  return {};
}

// Written before the journal exists, so that a journal always has it complete beside it.
Result<void> record_identity(const Netns& container, const NlSocket& container_nl, const ContainerNetworkDir& where) {
  auto id = MR_TRY_VALUE(container.identity(container_nl.fd()));
  return write_new_file(where.identity_path(), id.to_string() + "\n");
}

// nullopt for a directory set up before identities were recorded.
Result<std::optional<NetnsIdentity>> read_identity(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    return fail(errno, "read " + path);
  }
  char buf[128];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n < 0) return fail(errno, "read " + path);
  auto id = NetnsIdentity::parse(std::string_view(buf, static_cast<size_t>(n)));
  if (!id) return std::unexpected(std::move(id).error().wrap("read " + path));
  return *id;
}

bool still_runs(const RecordedProcess& p) {
  auto st = read_proc_stat(p.pid);
  return st && st->still_runs(p.start_time);
}

// The namespace of the recorded init, if that process still runs: checked before and
// after the open, so that the namespace is not that of a later process given its pid.
std::optional<Netns> namespace_of(const RecordedProcess& p) {
  if (p.pid <= 0 || !still_runs(p)) return std::nullopt;
  auto ns = Netns::open_pid(p.pid);
  if (!ns || !still_runs(p)) return std::nullopt;
  return std::move(*ns);
}

// Either way in is used only once the namespace found is the one recorded.
Result<bool> is_recorded(const std::optional<NetnsIdentity>& recorded, const Netns& ns, const NlSocket& nl) {
  auto id = MR_TRY_VALUE(ns.identity(nl.fd()));
  return recorded && recorded->same_as(id);
}

// The host name of a pending step's device (a moved device, a veth host end), else its
// name in the container.
std::string pending_device(const UndoStep& step) {
  return std::visit(
      [&](const auto& s) -> std::string {
        if constexpr (requires { s.host_name; })
          return s.host_name;
        else if constexpr (requires { s.ctr_name; })
          return s.ctr_name + " (in the container)";
        else
          return describe(step);
      },
      step);
}

}  // namespace

Result<AppliedNetwork> setup_container_network(const NetConfig& cfg, const Netns& container,
                                               const ContainerNetworkDir& where, const SetupOptions& opts) {
  auto host_ns = MR_TRY_VALUE(Netns::current());
  auto host = MR_TRY_VALUE(NlSocket::open());
  auto container_nl = MR_TRY_VALUE(NlSocket::open_in(container));
  auto undo_files = [&] {
    (void)remove_file(where.shared_marker_path());
    (void)remove_file(where.identity_path());
    if (opts.pin) (void)Netns::unpin(where.pin_path());
  };
  if (opts.pin) MR_TRY(container.pin(where.pin_path()));
  auto made = record_identity(container, container_nl, where);
  if (made && opts.shared) made = write_new_file(where.shared_marker_path(), "");
  auto journal = made ? Journal::open(where.journal_path()) : std::unexpected(std::move(made).error());
  if (!journal) {
    undo_files();
    return std::unexpected(std::move(journal).error());
  }
  ApplyTargets targets{host, host_ns, container, container_nl, opts.container_id};
  auto applied = apply(cfg, targets, *journal, nullptr);
  if (!applied) {
    // apply() rolled back; what it could not undo stays journalled for teardown.
    if (journal->pending().empty()) {
      (void)remove_file(where.journal_path());
      undo_files();
    }
    return std::unexpected(std::move(applied).error());
  }
  return applied;
}

Result<std::optional<ReachedNamespace>> reach_container_namespace(const ContainerNetworkDir& where, std::string* why) {
  auto recorded = MR_TRY_VALUE(read_identity(where.identity_path()));
  std::string tried;
  auto note = [&](const std::string& what) { tried += (tried.empty() ? "" : " and ") + what; };
  // The pin is a bind mount, seen in the mount namespace that made it and in its peers
  // and slaves; anywhere else the file is empty (NS_GET_NSTYPE: not a namespace).
  if (auto pin = Netns::open_path(where.pin_path())) {
    auto nl = MR_TRY_VALUE(NlSocket::open_in(*pin));
    // Pins made before identities were recorded are taken as they are, as they were then.
    if (!recorded || MR_TRY_VALUE(is_recorded(recorded, *pin, nl)))
      return ReachedNamespace{std::move(*pin), std::move(nl), true};
    note("the namespace pinned at " + where.pin_path() + " is not the one recorded in " + where.identity_path());
  } else if (pin.error().err == ENOENT) {
    note("it has no pin " + where.pin_path());
  } else if (pin.error().err == EINVAL) {
    note("its pin " + where.pin_path() + " is not mounted in this mount namespace");
  } else {
    note(pin.error().message());
  }
  if (where.init) {
    std::string init = "its init (pid " + std::to_string(where.init->pid) + ")";
    if (auto ns = namespace_of(*where.init)) {
      auto nl = MR_TRY_VALUE(NlSocket::open_in(*ns));
      if (MR_TRY_VALUE(is_recorded(recorded, *ns, nl))) return ReachedNamespace{std::move(*ns), std::move(nl), false};
      note(init + " is in another network namespace than the one recorded" +
           (recorded ? "" : " (none is recorded in " + where.identity_path() + ")"));
    } else {
      note(init + " is gone");
    }
  }
  if (why) *why = tried;
  return std::nullopt;
}

std::string ReachedNetwork::out_of_reach_message() const {
  std::string devices;
  for (const auto& d : pending) devices += (devices.empty() ? "" : ", ") + d;
  return "its network namespace is out of reach (" + why + "), so " + devices + " cannot be given back";
}

Result<ReachedNetwork> reach_container_network(const ContainerNetworkDir& where) {
  ReachedNetwork out;
  if (!exists(where.journal_path())) return out;
  out.journal = MR_TRY_VALUE(Journal::open(where.journal_path()));
  for (const JournalEntry& e : out.journal->entries())  // in the order they were lent
    if (!e.done) out.pending.push_back(pending_device(e.step));
  if (!out.pending.empty()) out.container = MR_TRY_VALUE(reach_container_namespace(where, &out.why));
  return out;
}

Result<TeardownReport> teardown_container_network(const ContainerNetworkDir& where, const TeardownOptions& opts) {
  TeardownReport report;
  std::optional<ReachedNetwork> own;
  ReachedNetwork* reached = opts.reached;
  if (!reached) reached = &own.emplace(MR_TRY_VALUE(reach_container_network(where)));
  if (reached->journal) {
    if (reached->out_of_reach()) {
      if (!opts.forget_out_of_reach) return fail(0, where.dir + ": " + reached->out_of_reach_message());
      report.forgotten = reached->pending;
    } else {
      auto host_ns = MR_TRY_VALUE(Netns::current());
      auto host = MR_TRY_VALUE(NlSocket::open());
      ReachedNamespace* ctr = reached->container ? &*reached->container : nullptr;
      UndoTargets targets{host, host_ns, ctr ? &ctr->ns : nullptr, ctr ? &ctr->nl : nullptr};
      targets.namespace_ends = opts.container_gone && ctr && ctr->through_pin && !exists(where.shared_marker_path());
      static_cast<UndoReport&>(report) = MR_TRY_VALUE(undo(*reached->journal, targets));
    }
    // No lease outlives the journal that names its holder: those of steps given up, and
    // those of steps already done, which an undo killed between marking its step done and
    // releasing the lease left behind (else a file for ever, unless that device is lent
    // again).
    Leases leases(default_lease_dir());
    for (const JournalEntry& e : reached->journal->entries())
      if (e.lease) MR_TRY(release_lease(leases, *reached->journal, e.seq));
    MR_TRY(remove_file(where.journal_path()));
  }
  MR_TRY(Netns::unpin(where.pin_path()));
  MR_TRY(remove_file(where.shared_marker_path()));
  MR_TRY(remove_file(where.identity_path()));
  return report;
}

ApplyTargets OpenContainerNetwork::apply_targets(std::string container_id) {
  return {host, host_ns, container, container_nl, std::move(container_id)};
}

UndoTargets OpenContainerNetwork::undo_targets() {
  return {.host = host, .host_ns = host_ns, .container = &container, .container_nl = &container_nl};
}

LentPlaces OpenContainerNetwork::places() {
  return {.host = host, .host_ns = host_ns, .container = &container, .container_nl = &container_nl};
}

Result<OpenContainerNetwork> open_container_network(const ContainerNetworkDir& where) {
  if (!exists(where.pin_path()) && !where.init)
    return fail(ENOENT, "container network in " + where.dir + " is not set up (no pinned namespace " +
                            where.pin_path() + ")");
  std::string why;
  auto reached = MR_TRY_VALUE(reach_container_namespace(where, &why));
  if (!reached) return fail(0, "the network namespace of the container in " + where.dir + " is out of reach: " + why);
  auto host_ns = MR_TRY_VALUE(Netns::current());
  auto host = MR_TRY_VALUE(NlSocket::open());
  auto journal = MR_TRY_VALUE(Journal::open(where.journal_path()));
  return OpenContainerNetwork{std::move(host_ns), std::move(host), std::move(reached->ns), std::move(reached->nl),
                              std::move(journal)};
}

}  // namespace mr::netns

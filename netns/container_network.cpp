#include "netns/container_network.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns/namespace.hpp"
#include "netns/unique_fd.hpp"

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

Result<void> write_marker(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return fail(errno, "create " + path);
  return {};
}

}  // namespace

Result<AppliedNetwork> setup_container_network(const NetConfig& cfg, const Netns& container,
                                               const ContainerNetworkDir& where, const SetupOptions& opts) {
  auto host_ns = MR_TRY_VALUE(Netns::current());
  auto host = MR_TRY_VALUE(NlSocket::open());
  auto container_nl = MR_TRY_VALUE(NlSocket::open_in(container));
  if (opts.pin) MR_TRY(container.pin(where.pin_path()));
  auto marked = opts.shared ? write_marker(where.shared_marker_path()) : Result<void>{};
  auto journal = marked ? Journal::open(where.journal_path()) : std::unexpected(std::move(marked).error());
  if (!journal) {
    (void)remove_file(where.shared_marker_path());
    if (opts.pin) (void)Netns::unpin(where.pin_path());
    return std::unexpected(std::move(journal).error());
  }
  ApplyTargets targets{host, host_ns, container, container_nl, opts.container_id};
  auto applied = apply(cfg, targets, *journal, nullptr);
  if (!applied) {
    // apply() rolled back; what it could not undo stays journalled for teardown.
    if (journal->pending().empty()) {
      (void)remove_file(where.journal_path());
      (void)remove_file(where.shared_marker_path());
      if (opts.pin) (void)Netns::unpin(where.pin_path());
    }
    return std::unexpected(std::move(applied).error());
  }
  return applied;
}

Result<UndoReport> teardown_container_network(const ContainerNetworkDir& where, const TeardownOptions& opts) {
  UndoReport report;
  if (exists(where.journal_path())) {
    auto journal = MR_TRY_VALUE(Journal::open(where.journal_path()));
    auto host_ns = MR_TRY_VALUE(Netns::current());
    auto host = MR_TRY_VALUE(NlSocket::open());
    std::optional<Netns> container;
    if (exists(where.pin_path())) {
      auto opened = Netns::open_path(where.pin_path());
      // An empty pin file (the bind mount is gone) means the namespace is gone too.
      if (opened) container = std::move(*opened);
    }
    UndoTargets targets{host, host_ns, container ? &*container : nullptr, nullptr};
    targets.namespace_ends = opts.container_gone && container && !exists(where.shared_marker_path());
    report = MR_TRY_VALUE(undo(journal, targets));
    MR_TRY(remove_file(where.journal_path()));
  }
  MR_TRY(Netns::unpin(where.pin_path()));
  MR_TRY(remove_file(where.shared_marker_path()));
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
  if (!exists(where.pin_path()))
    return fail(ENOENT, "container network in " + where.dir + " is not set up (no pinned namespace " +
                            where.pin_path() + ")");
  auto container = MR_TRY_VALUE(Netns::open_path(where.pin_path()));
  auto container_nl = MR_TRY_VALUE(NlSocket::open_in(container));
  auto host_ns = MR_TRY_VALUE(Netns::current());
  auto host = MR_TRY_VALUE(NlSocket::open());
  auto journal = MR_TRY_VALUE(Journal::open(where.journal_path()));
  return OpenContainerNetwork{std::move(host_ns), std::move(host), std::move(container), std::move(container_nl),
                              std::move(journal)};
}

}  // namespace mr::netns

// What a container leaves under ROOT/ID between commands: state.json (written to a
// temporary file and renamed, so a reader sees the old or the new file, never half),
// exec.fifo while the container is created but not started, the pinned netns with its
// identity and journal (netns/container_network.hpp), and the resolv.conf and hosts of
// its network spec. ROOT/ID is read only once open_state_dir() (base/state_root.hpp)
// has found it a directory of ours, not a symlink.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "oci/config.hpp"
#include "runtime/cgroup_manager.hpp"

namespace mr::runtime {


inline constexpr const char* kOciVersion = "1.2.0";
inline constexpr const char* kDefaultRoot = "/run/mini-runc";

enum class Status { creating, created, running, paused, stopped };
const char* to_string(Status s);

struct State {
  std::string id;
  std::string bundle;   // absolute
  pid_t pid = 0;
  uint64_t start_time = 0;  // of pid, from /proc/PID/stat: guards against pid reuse
  std::map<std::string, std::string> annotations;
  std::string created;  // RFC 3339 time of create
  bool own_netns = false;  // the container made its network namespace (did not join one)
  bool creating = false;   // create has not finished (network, hooks, rootfs under way)
  // Kept from config.json at create: start and delete must not depend on the bundle
  // still being there or unchanged.
  std::vector<oci::Hook> poststart, poststop;
  ContainerCgroups cgroups;  // none under --cgroup-manager disabled
};

// The files create makes in ROOT/ID, which remove_state_dir() removes with their
// temporary siblings (NAME.tmp, write_file_atomic()). The network's journal and the
// identity of the pinned namespace are teardown_network()'s to remove.
inline constexpr std::string_view kStateDirFiles[] = {"state.json", "exec.fifo", "netns", "resolv.conf", "hosts",
                                                      "config.json", "cgroups.json"};

// ROOT/ID and the files in it.
struct StateDir {
  std::string root;
  std::string id;

  std::string path() const { return root + "/" + id; }
  std::string state_file() const { return path() + "/state.json"; }
  std::string exec_fifo() const { return path() + "/exec.fifo"; }
  std::string netns_pin() const { return path() + "/netns"; }
  // config.json as create read it from the bundle: what `exec` runs with (the bundle's
  // may have changed or be gone since).
  std::string kept_config() const { return path() + "/config.json"; }
  // The cgroups create is about to make, written before the first mkdir: a create killed
  // before it saved its state leaves them, and this is how they are found again.
  std::string cgroup_record() const { return path() + "/cgroups.json"; }
};

// Creates ROOT (0700, if missing) and ROOT/ID (0700), and returns ROOT/ID's lock
// (lock_state_dir), taken before anything is made in it: `cleanup` and `delete --force`
// tell a create under way from a dead one by that lock alone. EEXIST when the container
// exists.
Result<UniqueFd> make_state_dir(const StateDir& dir);
// Removes the files create makes in ROOT/ID (and the temporary files of their atomic
// writes, which a runtime killed while writing one leaves), then ROOT/ID. A journal
// still pending (network not undone) keeps the directory, and with it the way to undo.
Result<void> remove_state_dir(const StateDir& dir);

// The cgroup record (StateDir::cgroup_record): written atomically; none is std::nullopt.
Result<void> save_cgroup_record(const StateDir& dir, const ContainerCgroups& cg);
Result<std::optional<ContainerCgroups>> load_cgroup_record(const StateDir& dir);

// Serialises create, start, kill, delete, cleanup and net of one container
// (base/dir_lock.hpp: flock on its directory, let go when the fd closes). Two
// creates of one id need none: mkdir() of the directory is exclusive. Without `wait`,
// a lock held elsewhere fails with EWOULDBLOCK.
Result<UniqueFd> lock_state_dir(const StateDir& dir, bool wait = true);

Result<void> save_state(const StateDir& dir, const State& st);
// ENOENT, saying which, when ROOT/ID is missing or has no state.json (a create under
// way, or one that died before saving it); EPERM for a ROOT/ID that is a symlink or not
// ours (open_state_dir).
Result<State> load_state(const StateDir& dir);
// Names under root that may be containers, sorted: directories, and symlinks and the
// like, which every command then refuses by name.
Result<std::vector<std::string>> list_containers(const std::string& root);

// creating until create has finished; created while exec.fifo exists and init lives; running once started; stopped when
// init is gone (or its pid now belongs to another process).
Status current_status(const StateDir& dir, const State& st);

// The OCI state JSON (runtime-spec state-schema.json).
std::string state_json(const State& st, Status status, bool pretty = true);

// Writes `content` to a temporary file beside `path` and renames it over `path`.
Result<void> write_file_atomic(const std::string& path, const std::string& content, mode_t mode = 0600);

}  // namespace mr::runtime

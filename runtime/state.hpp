// What a container leaves under ROOT/ID between commands: state.json (written to a
// temporary file and renamed, so a reader sees the old or the new file, never half),
// exec.fifo while the container is created but not started, and the pinned netns.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "netns/error.hpp"
#include "netns/unique_fd.hpp"
#include "oci/config.hpp"

namespace mr::runtime {

using netns::Error;
using netns::Result;

inline constexpr const char* kOciVersion = "1.2.0";

enum class Status { creating, created, running, stopped };
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
};

// ROOT/ID and the files in it.
struct StateDir {
  std::string root;
  std::string id;

  std::string path() const { return root + "/" + id; }
  std::string state_file() const { return path() + "/state.json"; }
  std::string exec_fifo() const { return path() + "/exec.fifo"; }
  std::string netns_pin() const { return path() + "/netns"; }
};

// Creates ROOT (0700, if missing) and ROOT/ID (0700); EEXIST when the container exists.
Result<void> make_state_dir(const StateDir& dir);
Result<void> remove_state_dir(const StateDir& dir);

// Serialises create, start, kill, delete, cleanup and net of one container
// (netns/dir_lock.hpp: flock on its directory, let go when the fd closes). Two
// creates of one id need none: mkdir() of the directory is exclusive. Without `wait`,
// a lock held elsewhere fails with EWOULDBLOCK.
Result<netns::UniqueFd> lock_state_dir(const StateDir& dir, bool wait = true);

Result<void> save_state(const StateDir& dir, const State& st);
Result<State> load_state(const StateDir& dir);
// Ids of the containers under root, sorted.
Result<std::vector<std::string>> list_containers(const std::string& root);

// creating until create has finished; created while exec.fifo exists and init lives; running once started; stopped when
// init is gone (or its pid now belongs to another process).
Status current_status(const StateDir& dir, const State& st);

// The OCI state JSON (runtime-spec state-schema.json).
std::string state_json(const State& st, Status status, bool pretty = true);

// Writes `content` to a temporary file beside `path` and renames it over `path`.
Result<void> write_file_atomic(const std::string& path, const std::string& content, mode_t mode = 0600);

std::string now_rfc3339();

}  // namespace mr::runtime

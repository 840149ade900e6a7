#include "runtime/state.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/dir_lock.hpp"
#include "base/fault.hpp"
#include "base/state_root.hpp"
#include "base/unique_fd.hpp"
#include "runtime/cgroup_freezer.hpp"
#include "runtime/process_handle.hpp"

namespace mr::runtime {

using json = nlohmann::json;

namespace {

json hooks_json(const std::vector<oci::Hook>& hooks) {
  json a = json::array();
  for (const auto& h : hooks) {
    json j = {{"path", h.path}, {"args", h.args}, {"env", h.env}};
    if (h.timeout) j["timeout"] = *h.timeout;
    a.push_back(std::move(j));
  }
  return a;
}

std::vector<oci::Hook> hooks_from(const json& a) {
  std::vector<oci::Hook> out;
  for (const auto& j : a) {
    oci::Hook h;
    h.path = j.at("path").get<std::string>();
    h.args = j.at("args").get<std::vector<std::string>>();
    h.env = j.at("env").get<std::vector<std::string>>();
    if (j.contains("timeout")) h.timeout = j.at("timeout").get<int>();
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace

const char* to_string(Status s) {
  switch (s) {
    case Status::creating: return "creating";
    case Status::created: return "created";
    case Status::running: return "running";
    case Status::paused: return "paused";
    case Status::stopped: return "stopped";
  }
  return "unknown";
}

static Result<void> make_dir(const std::string& path, bool exist_ok) {
  if (::mkdir(path.c_str(), 0700) != 0) {
    if (errno == EEXIST && exist_ok) return {};
    return fail(errno, "create directory " + path);
  }
  return {};
}

Result<UniqueFd> make_state_dir(const StateDir& dir) {
  // Makes missing parents of root too (it defaults to /run/mini-runc).
  std::string partial;
  std::istringstream parts(dir.root);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty()) continue;
    partial += "/" + part;
    MR_TRY(make_dir(partial, true));
  }
  // Between the mkdir and the flock the directory is empty and unlocked, and a cleanup
  // may take it for a dead create's and remove it; it held nothing yet, so it is made
  // again (a bounded number of times).
  for (int attempt = 1;; ++attempt) {
    if (::mkdir(dir.path().c_str(), 0700) != 0) {
      if (errno == EEXIST) return fail(EEXIST, "container \"" + dir.id + "\" already exists");
      return fail(errno, "create state directory " + dir.path());
    }
    auto lock = lock_state_dir(dir);
    if (lock || lock.error().err != ENOENT || attempt == 3) return lock;
  }
}

Result<void> remove_state_dir(const StateDir& dir) {
  auto fd = open_state_dir(dir.path());
  if (!fd) {
    if (fd.error().err == ENOENT) return {};
    return std::unexpected(std::move(fd).error());
  }
  for (std::string_view name : kStateDirFiles) {
    for (const std::string& f : {std::string(name), std::string(name) + ".tmp"})
      if (::unlinkat(fd->get(), f.c_str(), 0) != 0 && errno != ENOENT)
        return fail(errno, "remove " + dir.path() + "/" + f);
  }
  if (::rmdir(dir.path().c_str()) != 0 && errno != ENOENT)
    return fail(errno, "remove state directory " + dir.path());
  return {};
}

Result<UniqueFd> lock_state_dir(const StateDir& dir, bool wait) {
  auto lock = lock_directory(dir.path(), wait);
  if (!lock && lock.error().err == ENOENT) return fail(ENOENT, "container \"" + dir.id + "\" does not exist");
  return lock;
}

Result<void> write_file_atomic(const std::string& path, const std::string& content, mode_t mode) {
  std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) return fail(errno, "create " + tmp);
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::unlink(tmp.c_str());
      return fail(err, "write " + tmp);
    }
    done += static_cast<std::size_t>(n);
  }
  // One count for all the writes of this process: the Nth may pause here, so that a test
  // can kill the runtime with a temporary file left behind.
  // MR_PAUSE_IN_STATE_FILE=N: the Nth atomic file write paused with its temporary file
  // written and not yet renamed.
  static FaultInjector faults = FaultInjector::pausing_at("MR_PAUSE_IN_STATE_FILE");
  (void)faults.step("replace " + path);
  if (::fsync(fd.get()) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return fail(err, "replace " + path);
  }
  return {};
}

namespace {

// ROOT/ID/NAME's text; std::nullopt when ROOT/ID is there but NAME is not.
Result<std::optional<std::string>> read_state_dir_file(const StateDir& dir, const char* name) {
  auto dir_fd = open_state_dir(dir.path());
  if (!dir_fd && dir_fd.error().err == ENOENT) return fail(ENOENT, "container \"" + dir.id + "\" does not exist");
  if (!dir_fd) return std::unexpected(std::move(dir_fd).error());
  std::string path = dir.path() + "/" + name;
  UniqueFd fd(::openat(dir_fd->get(), name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd && errno == ENOENT) return std::nullopt;
  if (!fd) return fail(errno, "open " + path);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno, "read " + path);
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

json cgroups_json(const ContainerCgroups& cg) { return {{"cgroup_paths", cg.paths}, {"cgroups_made", cg.made}}; }

ContainerCgroups cgroups_from(const json& j) {
  return {.paths = j.value("cgroup_paths", std::map<std::string, std::string>{}),
          .made = j.value("cgroups_made", std::vector<std::string>{})};
}

}  // namespace

Result<void> save_state(const StateDir& dir, const State& st) {
  json j = {{"id", st.id},
            {"bundle", st.bundle},
            {"pid", st.pid},
            {"start_time", st.start_time},
            {"annotations", st.annotations},
            {"created", st.created},
            {"own_netns", st.own_netns},
            {"creating", st.creating},
            {"poststart", hooks_json(st.poststart)},
            {"poststop", hooks_json(st.poststop)}};
  j.update(cgroups_json(st.cgroups));
  return write_file_atomic(dir.state_file(), j.dump(2) + "\n");
}

Result<State> load_state(const StateDir& dir) {
  auto text = MR_TRY_VALUE(read_state_dir_file(dir, "state.json"));
  if (!text)
    return fail(ENOENT, "container \"" + dir.id + "\" has no state: its create is under way or died "
                               "before saving one (delete --force removes what it left)");
  try {
    json j = json::parse(*text);
    State st;
    st.id = j.at("id").get<std::string>();
    st.bundle = j.at("bundle").get<std::string>();
    st.pid = j.at("pid").get<pid_t>();
    st.start_time = j.at("start_time").get<uint64_t>();
    st.annotations = j.at("annotations").get<std::map<std::string, std::string>>();
    st.created = j.value("created", "");
    st.own_netns = j.value("own_netns", false);
    st.creating = j.value("creating", false);
    st.poststart = hooks_from(j.value("poststart", json::array()));
    st.poststop = hooks_from(j.value("poststop", json::array()));
    st.cgroups = cgroups_from(j);
    return st;
  } catch (const json::exception& e) {
    return fail(EINVAL, "corrupt state file " + dir.state_file() + ": " + e.what());
  }
}

Result<void> save_cgroup_record(const StateDir& dir, const ContainerCgroups& cg) {
  return write_file_atomic(dir.cgroup_record(), cgroups_json(cg).dump(2) + "\n");
}

Result<std::optional<ContainerCgroups>> load_cgroup_record(const StateDir& dir) {
  auto text = MR_TRY_VALUE(read_state_dir_file(dir, "cgroups.json"));
  if (!text) return std::nullopt;
  try {
    return cgroups_from(json::parse(*text));
  } catch (const json::exception& e) {
    return fail(EINVAL, "corrupt cgroup record " + dir.cgroup_record() + ": " + e.what());
  }
}

Result<std::vector<std::string>> list_containers(const std::string& root) {
  MR_TRY(check_state_root(root));
  std::vector<std::string> ids;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(root.c_str()), &::closedir);
  if (!d) {
    if (errno == ENOENT) return ids;
    return fail(errno, "list " + root);
  }
  while (dirent* e = ::readdir(d.get())) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (e->d_type == DT_DIR || e->d_type == DT_LNK || e->d_type == DT_UNKNOWN) ids.push_back(name);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status current_status(const StateDir& dir, const State& st) {
  auto proc = open_process(st.pid, st.start_time);
  if (!proc || !*proc) return Status::stopped;
  if (st.creating) return Status::creating;
  struct stat sb{};
  if (::stat(dir.exec_fifo().c_str(), &sb) == 0) return Status::created;
  // runc reports a frozen container as paused.
  if (!st.cgroups.empty() && cgroup_frozen(st.cgroups)) return Status::paused;
  return Status::running;
}

std::string state_json(const State& st, Status status, bool pretty) {
  json j = {{"ociVersion", kOciVersion},
            {"id", st.id},
            {"status", to_string(status)},
            {"pid", status == Status::stopped ? 0 : st.pid},
            {"bundle", st.bundle}};
  j["annotations"] = st.annotations;
  if (!st.created.empty()) j["created"] = st.created;
  return pretty ? j.dump(2) : j.dump();
}

}  // namespace mr::runtime

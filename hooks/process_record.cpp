// ROOT/ID/process: the container's pid and its start time, written at configure, so that
// attach and detach can tell a container that runs from one whose processes are gone
// (its namespace then lives on only through the pin, waiting for poststop), and from a
// later process that was given the same pid.
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <string>

#include "hooks/hook.hpp"
#include "base/proc_stat.hpp"

namespace mr::hooks {

namespace {

std::string record_path(const netns::ContainerNetworkDir& where) { return where.dir + "/process"; }

using Recorded = netns::RecordedProcess;

Result<Recorded> read_record(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return fail(errno, "read " + path);
  char buf[64];
  ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n < 0) return fail(errno, "read " + path);
  Recorded r;
  const char* end = buf + n;
  auto got = std::from_chars(buf, end, r.pid);
  if (got.ec == std::errc{} && got.ptr < end && *got.ptr == ' ') got = std::from_chars(got.ptr + 1, end, r.start_time);
  else got.ec = std::errc::invalid_argument;
  if (got.ec != std::errc{} || r.pid <= 0) return fail(EINVAL, "parse " + path + ": expected \"PID START_TIME\"");
  return r;
}

}  // namespace

Result<void> record_process(const netns::ContainerNetworkDir& where, pid_t pid) {
  auto st = MR_TRY_VALUE(read_proc_stat(pid));
  std::string text = std::to_string(pid) + " " + std::to_string(st.start_time) + "\n";
  std::string path = record_path(where);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return fail(errno, "create " + path);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return fail(errno, "write " + path);
  return {};
}

Result<void> forget_process(const netns::ContainerNetworkDir& where) {
  std::string path = record_path(where);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail(errno, "remove " + path);
  return {};
}

std::optional<netns::RecordedProcess> recorded_process(const netns::ContainerNetworkDir& where) {
  auto rec = read_record(record_path(where));
  if (!rec) return std::nullopt;
  return *rec;
}

Result<void> require_process(const netns::ContainerNetworkDir& where, const std::string& id,
                             const std::string& command) {
  auto rec = MR_TRY_VALUE(read_record(record_path(where)));
  auto st = read_proc_stat(rec.pid);
  if (st && st->still_runs(rec.start_time)) return {};
  return fail(0, command + ": the process of container \"" + id + "\" (pid " + std::to_string(rec.pid) +
                                ") is gone: its network is left for the poststop stage to undo");
}

}  // namespace mr::hooks

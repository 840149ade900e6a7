#include "base/run_program.hpp"

#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "base/unique_fd.hpp"

namespace mr {

namespace {

Result<UniqueFd> memory_file(const char* name) {
  UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
  if (!fd) return fail(errno, std::string("memfd_create ") + name);
  return fd;
}

Result<void> write_all(int fd, const std::string& text) {
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno, "write a program's stdin");
    done += static_cast<size_t>(n);
  }
  if (::lseek(fd, 0, SEEK_SET) != 0) return fail(errno, "rewind a program's stdin");
  return {};
}

Result<std::string> read_all(int fd) {
  std::string text;
  char buf[8192];
  for (off_t at = 0;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno, "read a program's output");
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
    at += n;
  }
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attrs;
  SpawnSetup() {
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawnattr_init(&attrs);
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attrs);
  }
};

}  // namespace

Result<ProgramOutput> run_program(const std::string& path, const std::vector<std::string>& args,
                                  const std::vector<std::string>& env, const std::string& input) {
  auto in = MR_TRY_VALUE(memory_file("stdin"));
  auto out = MR_TRY_VALUE(memory_file("stdout"));
  auto err = MR_TRY_VALUE(memory_file("stderr"));
  MR_TRY(write_all(in.get(), input));
  std::vector<std::string> argv_strings = args, env_strings = env;
  auto argv = c_strings(argv_strings);
  auto envp = c_strings(env_strings);
  SpawnSetup s;
  // dup2 clears FD_CLOEXEC on the copies: the child keeps 0, 1 and 2 and nothing else.
  for (auto [fd, to] : {std::pair{in.get(), STDIN_FILENO}, {out.get(), STDOUT_FILENO}, {err.get(), STDERR_FILENO}})
    if (int rc = ::posix_spawn_file_actions_adddup2(&s.actions, fd, to); rc != 0)
      return fail(rc, "posix_spawn_file_actions_adddup2");
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  ::posix_spawnattr_setsigmask(&s.attrs, &none);
  ::posix_spawnattr_setsigdefault(&s.attrs, &all);
  ::posix_spawnattr_setflags(&s.attrs, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  // glibc's posix_spawn reports a failed exec (a missing or non-executable path) here.
  if (int rc = ::posix_spawn(&pid, path.c_str(), &s.actions, &s.attrs, argv.data(), envp.data()); rc != 0)
    return fail(rc, "run " + path);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return fail(errno, "wait for " + path);
  ProgramOutput r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  else r.signal = WTERMSIG(status);
  r.out = MR_TRY_VALUE(read_all(out.get()));
  r.err = MR_TRY_VALUE(read_all(err.get()));
  return r;
}

}  // namespace mr

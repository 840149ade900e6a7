#include "runtime/signals.hpp"

#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cctype>
#include <charconv>
#include <optional>
#include <tuple>
#include <string>
#include <utility>

namespace mr::runtime {

namespace {

constexpr std::pair<const char*, int> kSignals[] = {
    {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},   {"ABRT", SIGABRT},     {"IOT", SIGIOT},     {"BUS", SIGBUS},
    {"FPE", SIGFPE},     {"KILL", SIGKILL},     {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},   {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},
    {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH}, {"IO", SIGIO},         {"POLL", SIGPOLL},   {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

std::optional<int> parse_int(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Result<int> parse_signal(std::string_view text) {
  auto bad = [&] { return fail(EINVAL, "unknown signal \"" + std::string(text) + "\""); };
  if (auto n = parse_int(text)) {
    if (*n <= 0 || *n > SIGRTMAX) return bad();
    return *n;
  }
  std::string name(text);
  for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.starts_with("SIG")) name = name.substr(3);
  for (auto [n, sig] : kSignals)
    if (name == n) return sig;
  for (auto [prefix, base, dir] : {std::tuple{"RTMIN", SIGRTMIN, 1}, std::tuple{"RTMAX", SIGRTMAX, -1}}) {
    std::string_view v(name);
    if (!v.starts_with(prefix)) continue;
    v.remove_prefix(std::string_view(prefix).size());
    int off = 0;
    if (!v.empty()) {
      if (v[0] != (dir > 0 ? '+' : '-')) return bad();
      auto n = parse_int(v.substr(1));
      if (!n) return bad();
      off = *n * dir;
    }
    int sig = base + off;
    if (sig < SIGRTMIN || sig > SIGRTMAX) return bad();
    return sig;
  }
  return bad();
}

sigset_t forwarded_signals() {
  sigset_t set;
  sigfillset(&set);
  for (int s : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS}) sigdelset(&set, s);
  return set;
}

int exit_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

// A foreground run's init is our child (cloned by us, or reparented to us when stage 1
// exited, as run is a child subreaper); an exec'd process is ours by CLONE_PARENT.
Result<int> wait_forwarding(int sigfd, pid_t target) {
  for (;;) {
    signalfd_siginfo si{};
    ssize_t n = ::read(sigfd, &si, sizeof si);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof si)) return fail(errno, "read signalfd");
    if (si.ssi_signo != SIGCHLD) {
      ::kill(target, static_cast<int>(si.ssi_signo));
      continue;
    }
    int status = 0;
    pid_t p;
    while ((p = ::waitpid(-1, &status, WNOHANG)) > 0)
      if (p == target) return exit_status(status);
  }
}

}  // namespace mr::runtime

#include "runtime/signals.hpp"

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

}  // namespace mr::runtime

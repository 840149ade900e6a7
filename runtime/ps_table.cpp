#include "runtime/ps_table.hpp"

#include <pwd.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace mr::runtime {

namespace {

struct ProcRow {
  std::string uid, pid, ppid, c, stime, tty, time, cmd;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string user_name(uid_t uid) {
  passwd pw{}, *res = nullptr;
  char buf[1024];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res) return pw.pw_name;
  return std::to_string(uid);
}

std::string tty_name(unsigned long tty_nr) {
  if (tty_nr == 0) return "?";
  unsigned maj = ::major(tty_nr), min = ::minor(tty_nr);
  if (maj == 136) return "pts/" + std::to_string(min);  // Unix98 pty slaves
  if (maj == 4 && min < 64) return "tty" + std::to_string(min);
  return std::to_string(maj) + ":" + std::to_string(min);
}

std::string clock_text(unsigned long long seconds) {
  char buf[32];
  unsigned long long days = seconds / 86400;
  seconds %= 86400;
  if (days)
    std::snprintf(buf, sizeof buf, "%llu-%02llu:%02llu:%02llu", days, seconds / 3600, seconds / 60 % 60, seconds % 60);
  else
    std::snprintf(buf, sizeof buf, "%02llu:%02llu:%02llu", seconds / 3600, seconds / 60 % 60, seconds % 60);
  return buf;
}

bool read_row(pid_t pid, ProcRow& row) {
  std::string base = "/proc/" + std::to_string(pid);
  std::string stat = slurp(base + "/stat");
  auto close = stat.rfind(')');
  if (stat.empty() || close == std::string::npos) return false;
  std::string comm = stat.substr(stat.find('(') + 1, close - stat.find('(') - 1);
  std::istringstream f(stat.substr(close + 2));
  std::vector<std::string> fields;  // from field 3 (state) on
  for (std::string s; f >> s;) fields.push_back(s);
  if (fields.size() < 20) return false;
  long hz = ::sysconf(_SC_CLK_TCK);
  unsigned long long utime = std::stoull(fields[11]), stime = std::stoull(fields[12]);
  unsigned long long start = std::stoull(fields[19]);
  double uptime = 0;
  std::istringstream(slurp("/proc/uptime")) >> uptime;
  double elapsed = uptime - static_cast<double>(start) / hz;
  unsigned long long cpu_seconds = (utime + stime) / hz;
  row.pid = std::to_string(pid);
  row.ppid = fields[1];
  row.tty = tty_name(std::stoul(fields[4]));
  row.c = std::to_string(elapsed > 0 ? static_cast<int>((utime + stime) * 100.0 / hz / elapsed) : 0);
  row.time = clock_text(cpu_seconds);
  // STIME: HH:MM the same day, else the month and day (procps' format).
  time_t now = ::time(nullptr);
  time_t started = now - static_cast<time_t>(elapsed);
  tm a{}, b{};
  ::localtime_r(&started, &a);
  ::localtime_r(&now, &b);
  char buf[16];
  ::strftime(buf, sizeof buf, a.tm_yday == b.tm_yday && a.tm_year == b.tm_year ? "%H:%M" : "%b%d", &a);
  row.stime = buf;
  std::string status = slurp(base + "/status");
  auto u = status.find("\nUid:");
  row.uid = u == std::string::npos ? "?" : user_name(static_cast<uid_t>(std::stoul(status.substr(u + 5))));
  std::string cmdline = slurp(base + "/cmdline");
  while (!cmdline.empty() && cmdline.back() == '\0') cmdline.pop_back();
  for (char& ch : cmdline)
    if (ch == '\0') ch = ' ';
  row.cmd = cmdline.empty() ? "[" + comm + "]" : cmdline;
  return true;
}

}  // namespace

std::string render_ps_table(const std::vector<pid_t>& pids) {
  std::vector<ProcRow> rows = {{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}};
  for (pid_t p : pids) {
    ProcRow r;
    if (read_row(p, r)) rows.push_back(std::move(r));
  }
  std::size_t w[7] = {};
  for (const auto& r : rows) {
    const std::string* cols[7] = {&r.uid, &r.pid, &r.ppid, &r.c, &r.stime, &r.tty, &r.time};
    for (int i = 0; i < 7; ++i) w[i] = std::max(w[i], cols[i]->size());
  }
  std::string out;
  for (const auto& r : rows) {
    const std::string* cols[7] = {&r.uid, &r.pid, &r.ppid, &r.c, &r.stime, &r.tty, &r.time};
    for (int i = 0; i < 7; ++i) {
      // Numbers right-aligned, as ps does; names left-aligned.
      bool right = i >= 1 && i <= 3;
      std::string pad(w[i] - cols[i]->size(), ' ');
      out += right ? pad + *cols[i] : *cols[i] + pad;
      out += ' ';
    }
    out += r.cmd + "\n";
  }
  return out;
}

}  // namespace mr::runtime

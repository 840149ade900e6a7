// measure: runs benchmark cases interleaved and reports wall time and peak RSS per case.
//
//   measure --cases FILE --rounds N --warmup W --raw OUT.tsv > summary.tsv
//
// FILE has one case per line: NAME<TAB>STEP[ ;; STEP...]. A step is words split on spaces:
// leading VAR=VALUE words are added to the environment, a word "<PATH" is the step's stdin,
// the rest is argv (argv[0] a path, run with execv: no shell in between unless the case
// itself is a shell script). "{i}" in a word becomes the run's number. One run of a case
// runs its steps in order; the time is the sum, over its steps, of fork to wait4. A step
// written "!STEP" is run but not timed (setting up or ending what the timed steps act on).
// Round r runs every case once, starting at case r mod n, so no case always goes first.
// Any step failing (non-zero exit) stops the benchmark with that step's stderr.
//
// Peak RSS is wait4()'s ru_maxrss: the largest resident set of the process and the
// descendants it waited for (for runc that includes its `runc init` child), in KiB.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Step {
  bool timed = true;
  std::vector<std::string> env;
  std::vector<std::string> argv;
  std::string stdin_path;
};

struct Case {
  std::string name;
  std::vector<Step> steps;
  std::vector<double> ms;
  std::vector<long> rss_kib;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "measure: %s\n", what.c_str());
  std::exit(2);
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

Step parse_step(std::string text) {
  Step st;
  if (auto first = text.find_first_not_of(' '); first != std::string::npos && text[first] == '!') {
    st.timed = false;
    text.erase(0, first + 1);
  }
  for (auto& w : split_words(text)) {
    if (st.argv.empty() && w.find('=') != std::string::npos && w.front() != '/' && w.front() != '.')
      st.env.push_back(w);
    else if (w.front() == '<')
      st.stdin_path = w.substr(1);
    else
      st.argv.push_back(w);
  }
  if (st.argv.empty()) die("a step without a command: " + text);
  return st;
}

std::vector<Case> read_cases(const std::string& path) {
  std::ifstream in(path);
  if (!in) die("cannot read " + path);
  std::vector<Case> cases;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.front() == '#') continue;
    auto tab = line.find('\t');
    if (tab == std::string::npos) die("no tab after the case name: " + line);
    Case c;
    c.name = line.substr(0, tab);
    std::string rest = line.substr(tab + 1);
    for (size_t pos = 0;;) {
      auto sep = rest.find(" ;; ", pos);
      c.steps.push_back(parse_step(rest.substr(pos, sep == std::string::npos ? std::string::npos : sep - pos)));
      if (sep == std::string::npos) break;
      pos = sep + 4;
    }
    cases.push_back(std::move(c));
  }
  if (cases.empty()) die(path + " has no cases");
  return cases;
}

std::string expand(std::string w, long run) {
  for (size_t p; (p = w.find("{i}")) != std::string::npos;) w.replace(p, 3, std::to_string(run));
  return w;
}

double now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Runs one step; returns its ru_maxrss. Exits the benchmark when the step fails.
long run_step(const Case& c, const Step& st, long run, const std::string& errfile) {
  std::vector<std::string> args;
  for (auto& a : st.argv) args.push_back(expand(a, run));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) die(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    for (auto& e : st.env) ::putenv(::strdup(expand(e, run).c_str()));
    int in = st.stdin_path.empty() ? ::open("/dev/null", O_RDONLY) : ::open(expand(st.stdin_path, run).c_str(), O_RDONLY);
    int out = ::open("/dev/null", O_WRONLY);
    int err = ::open(errfile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  rusage ru{};
  if (::wait4(pid, &status, 0, &ru) != pid) die(std::string("wait4: ") + std::strerror(errno));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream e(errfile);
    std::stringstream text;
    text << e.rdbuf();
    die("case " + c.name + " run " + std::to_string(run) + ": " + args[0] + " failed (status " +
        std::to_string(status) + "):\n" + text.str());
  }
  return ru.ru_maxrss;
}

void run_case(Case& c, long run, bool record, const std::string& errfile) {
  long rss = 0;
  double ms = 0;
  for (const auto& st : c.steps) {
    double t0 = now_ms();
    long step_rss = run_step(c, st, run, errfile);
    if (!st.timed) continue;
    ms += now_ms() - t0;
    rss = std::max(rss, step_rss);
  }
  if (record) {
    c.ms.push_back(ms);
    c.rss_kib.push_back(rss);
  }
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  double pos = q * static_cast<double>(v.size() - 1);
  size_t lo = static_cast<size_t>(pos);
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

}  // namespace

int main(int argc, char** argv) {
  std::string cases_path, raw_path;
  long rounds = 20, warmup = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--cases") cases_path = next();
    else if (a == "--rounds") rounds = std::stol(next());
    else if (a == "--warmup") warmup = std::stol(next());
    else if (a == "--raw") raw_path = next();
    else die("unknown argument " + a);
  }
  if (cases_path.empty()) die("usage: measure --cases FILE [--rounds N] [--warmup W] [--raw OUT.tsv]");
  auto cases = read_cases(cases_path);
  std::string errfile = "/tmp/measure-stderr." + std::to_string(::getpid());
  long run = 0;
  const size_t n = cases.size();
  for (long r = 0; r < warmup + rounds; ++r)
    for (size_t k = 0; k < n; ++k) run_case(cases[(static_cast<size_t>(r) + k) % n], run++, r >= warmup, errfile);
  ::unlink(errfile.c_str());

  if (!raw_path.empty()) {
    std::ofstream raw(raw_path);
    raw << "case\trun\tms\tmaxrss_kib\n";
    for (const auto& c : cases)
      for (size_t i = 0; i < c.ms.size(); ++i) raw << c.name << '\t' << i << '\t' << c.ms[i] << '\t' << c.rss_kib[i] << '\n';
  }
  std::printf("case\truns\tmedian_ms\tp10_ms\tp90_ms\tmaxrss_kib\n");
  for (const auto& c : cases) {
    long rss = c.rss_kib.empty() ? 0 : *std::max_element(c.rss_kib.begin(), c.rss_kib.end());
    std::printf("%s\t%zu\t%.3f\t%.3f\t%.3f\t%ld\n", c.name.c_str(), c.ms.size(), quantile(c.ms, 0.5),
                quantile(c.ms, 0.1), quantile(c.ms, 0.9), rss);
  }
  return 0;
}

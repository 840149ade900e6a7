// hot-text: which of a program's functions run, for the linker script that puts them
// side by side (scripts/hot-text.sh).
//
//   hot-text MAP HITS -- PROGRAM ARGS...
//
// MAP is the linker map of PROGRAM, linked with -ffunction-sections: every function is an
// input section .text.<symbol>. hot-text starts PROGRAM under ptrace, puts a breakpoint
// (int3) on the first byte of each such section once the kernel has mapped the program,
// and on each hit writes the byte back and notes the section. Processes PROGRAM forks are
// traced too (they inherit the breakpoints) until they exec something else: for
// `mini-runc run` that is the container's init up to the workload. Appends the names of
// the sections that ran to HITS, first hit first, and exits with PROGRAM's status.
// Each breakpoint traps once per process, so the program runs at nearly full speed.
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

struct Section {
  unsigned long address = 0;  // in the file's virtual addresses (PIE: from load base 0)
  std::string name;
  unsigned char original = 0;
  bool hit = false;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "hot-text: %s\n", what.c_str());
  std::exit(2);
}

// Input sections as the GNU ld map prints them: " .text.name 0xADDR 0xSIZE file", or
// the name alone on its line when it is long, and the rest on the next.
std::vector<Section> read_map(const std::string& path) {
  std::ifstream in(path);
  if (!in) die("cannot read " + path);
  static const std::regex one_line(R"(^ (\.text\.\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s.*)");
  static const std::regex name_only(R"(^ (\.text\.\S+)$)");
  static const std::regex rest(R"(^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s.*)");
  std::vector<Section> out;
  std::string line, pending;
  bool in_memory_map = false;
  auto add = [&](const std::string& name, const std::string& addr, const std::string& size) {
    // .text.unlikely, .text.startup and the like hold pieces of many functions.
    static const std::set<std::string> shared{".text.unlikely", ".text.hot", ".text.startup",
                                              ".text.exit"};
    if (std::stoul(size, nullptr, 16) > 0 && !shared.contains(name))
      out.push_back({std::stoul(addr, nullptr, 16), name});
  };
  for (std::smatch m; std::getline(in, line);) {
    if (!in_memory_map) {
      in_memory_map = line.starts_with("Linker script and memory map");
      continue;
    }
    if (!pending.empty() && std::regex_match(line, m, rest)) add(pending, m[1], m[2]);
    pending.clear();
    if (std::regex_match(line, m, one_line)) add(m[1], m[2], m[3]);
    else if (std::regex_match(line, m, name_only)) pending = m[1];
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.address < b.address; });
  return out;
}

unsigned long load_base(pid_t pid, const std::string& program) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string range, perms, offset, dev, inode, path;
  while (maps >> range >> perms >> offset >> dev >> inode && std::getline(maps, path)) {
    path.erase(0, path.find_first_not_of(' '));
    if (std::stoul(offset, nullptr, 16) == 0 && path == program)
      return std::stoul(range.substr(0, range.find('-')), nullptr, 16);
  }
  die("no mapping of " + program + " in process " + std::to_string(pid));
}

// ptrace reads and writes words; a breakpoint is one byte of it.
bool poke_byte(pid_t pid, unsigned long address, unsigned char byte, unsigned char* was = nullptr) {
  errno = 0;
  long word = ptrace(PTRACE_PEEKTEXT, pid, address, nullptr);
  if (errno != 0) return false;
  if (was) std::memcpy(was, &word, 1);
  std::memcpy(&word, &byte, 1);
  return ptrace(PTRACE_POKETEXT, pid, address, word) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || std::strcmp(argv[3], "--") != 0) die("usage: hot-text MAP HITS -- PROGRAM ARGS...");
  std::vector<Section> sections = read_map(argv[1]);
  char* real = realpath(argv[4], nullptr);
  if (!real) die(std::string("cannot resolve ") + argv[4] + ": " + std::strerror(errno));
  const std::string program = real;
  std::free(real);

  pid_t child = fork();
  if (child < 0) die(std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    raise(SIGSTOP);
    execv(argv[4], argv + 4);
    _exit(127);
  }
  int st = 0;
  waitpid(child, &st, 0);
  ptrace(PTRACE_SETOPTIONS, child, nullptr,
         PTRACE_O_TRACEEXEC | PTRACE_O_TRACEFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEVFORK |
             PTRACE_O_EXITKILL);
  ptrace(PTRACE_CONT, child, nullptr, nullptr);

  unsigned long base = 0;
  bool armed = false;
  int live = 1, status = 0;
  std::vector<const Section*> order;
  while (live > 0) {
    pid_t pid = waitpid(-1, &st, __WALL);
    if (pid < 0) die(std::string("waitpid: ") + std::strerror(errno));
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      --live;
      if (pid == child) status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      continue;
    }
    const int sig = WSTOPSIG(st), event = st >> 16;
    if (sig == SIGTRAP && event == PTRACE_EVENT_EXEC) {
      if (pid == child && !armed) {  // the program is mapped; ld.so has not run yet
        base = load_base(pid, program);
        for (Section& s : sections)
          if (!poke_byte(pid, base + s.address, 0xcc, &s.original))
            die("cannot set a breakpoint on " + s.name);
        armed = true;
        ptrace(PTRACE_CONT, pid, nullptr, nullptr);
      } else {  // a child now runs another program (the container's workload)
        ptrace(PTRACE_DETACH, pid, nullptr, nullptr);
        --live;
      }
      continue;
    }
    if (sig == SIGTRAP && (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
                           event == PTRACE_EVENT_CLONE)) {
      ++live;  // the new process is traced from here on, with our breakpoints in it
      ptrace(PTRACE_CONT, pid, nullptr, nullptr);
      continue;
    }
    if (sig == SIGTRAP && event == 0 && armed) {
      user_regs_struct regs{};
      ptrace(PTRACE_GETREGS, pid, nullptr, &regs);
      const unsigned long at = regs.rip - 1 - base;
      auto it = std::lower_bound(sections.begin(), sections.end(), at,
                                 [](const Section& s, unsigned long a) { return s.address < a; });
      if (it != sections.end() && it->address == at) {
        if (!it->hit) order.push_back(&*it);
        it->hit = true;
        poke_byte(pid, regs.rip - 1, it->original);
        regs.rip -= 1;
        ptrace(PTRACE_SETREGS, pid, nullptr, &regs);
        ptrace(PTRACE_CONT, pid, nullptr, nullptr);
        continue;
      }
    }
    // A new tracee's first stop, or a signal for the program: pass the latter on.
    const bool ours = (sig == SIGSTOP && event == 0) || event == PTRACE_EVENT_STOP;
    ptrace(PTRACE_CONT, pid, nullptr, ours ? 0 : sig);
  }

  std::ofstream hits(argv[2], std::ios::app);
  for (const Section* s : order) hits << s->name << '\n';
  if (!hits.flush()) die(std::string("cannot write ") + argv[2]);
  std::fprintf(stderr, "hot-text: %zu of %zu functions of %s ran\n", order.size(), sections.size(),
               program.c_str());
  return status;
}

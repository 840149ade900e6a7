#include "base/proc_stat.hpp"

#include <fstream>
#include <sstream>
#include <string>

namespace mr {

Result<ProcStat> read_proc_stat(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  std::ifstream in(path);
  if (!in) return fail(ENOENT, "read " + path);
  std::string line;
  std::getline(in, line);
  // The command name (field 2) may hold spaces and parentheses: fields resume after
  // the last ')'.
  auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return fail(EINVAL, "parse " + path);
  std::istringstream rest(line.substr(close + 2));
  ProcStat st;
  rest >> st.state;
  std::string field;
  for (int i = 4; i < 22 && rest >> field; ++i) {
  }
  if (!(rest >> st.start_time)) return fail(EINVAL, "parse start time in " + path);
  return st;
}

}  // namespace mr

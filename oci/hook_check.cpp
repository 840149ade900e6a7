#include "oci/hook_check.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "oci/json_input.hpp"

namespace mr::oci {

namespace {

// Why `path` cannot be run, or "" when it can.
std::string unrunnable(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return std::string("cannot be run: ") + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return "is not an executable file (a directory or device)";
  if (::access(path.c_str(), X_OK) != 0) return std::string("cannot be run: ") + std::strerror(errno);
  return "";
}

}  // namespace

std::vector<Error> check_hook_paths(const Hooks& hooks, const std::string& file) {
  const std::pair<const char*, const std::vector<Hook>*> on_host[] = {
      {"prestart", &hooks.prestart},   {"createRuntime", &hooks.create_runtime},
      {"createContainer", &hooks.create_container}, {"poststart", &hooks.poststart},
      {"poststop", &hooks.poststop},
  };
  std::vector<Error> problems;
  for (const auto& [kind, list] : on_host) {
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string& path = (*list)[i].path;
      if (!path.starts_with('/')) continue;
      if (auto why = unrunnable(path); !why.empty())
        problems.push_back(input_error(file, pointer_append(pointer_append("/hooks", kind), i) + "/path",
                                       "hook \"" + path + "\" " + why));
    }
  }
  return problems;
}

}  // namespace mr::oci

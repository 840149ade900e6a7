#include "cni/delegate.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "base/log.hpp"
#include "base/run_program.hpp"
#include "oci/json_input.hpp"

extern char** environ;

namespace mr::cni {

using nlohmann::json;

namespace {

std::string plugin_type(const NetConf& conf) { return conf.ipam->at("type").get<std::string>(); }

// The first directory of CNI_PATH (colon-separated, as Go's filepath.SplitList) with an
// executable file of that name, as libcni's FindInPath.
Outcome<std::string> find_in_path(const std::string& type, const std::string& path) {
  for (size_t start = 0; start <= path.size();) {
    size_t end = std::min(path.find(':', start), path.size());
    std::string dir = path.substr(start, end - start);
    start = end + 1;
    if (dir.empty()) continue;
    std::string file = dir + "/" + type;
    struct stat st{};
    if (::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(file.c_str(), X_OK) == 0) return file;
  }
  return std::unexpected(Failure{Code::invalid_environment,
                                 "CNI_PATH: no IPAM plugin " + type + " in \"" + path + "\" (for stdin:/ipam/type)", {}});
}

// The plugin's environment is this plugin's own (SPEC.md: "the same environment"), but
// for the command, which is DEL when an ADD is undone.
std::vector<std::string> delegate_environment(Command command) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (!std::string_view(*e).starts_with("CNI_COMMAND=")) env.emplace_back(*e);
  env.push_back("CNI_COMMAND=" + std::string(command_name(command)));
  return env;
}

// What the plugin wrote on stdout, as the result of `command`; its error object as a
// failure with its own code and message.
Outcome<json> run_delegate(const Environment& env, const NetConf& conf, Command command) {
  const std::string type = plugin_type(conf);
  const std::string path = MR_TRY_VALUE(find_in_path(type, env.path));
  auto ran = run_program(path, {path}, delegate_environment(command), conf.text);
  if (!ran) return std::unexpected(Failure{Code::internal, "stdin:/ipam: " + ran.error().message(), {}});
  const std::string who = "stdin:/ipam: " + type + " " + std::string(command_name(command));
  auto doc = json::parse(ran->out, nullptr, false);
  if (ran->exit_code != 0) {
    if (!doc.is_discarded() && doc.is_object() && doc.contains("code") && doc["code"].is_number_integer())
      return std::unexpected(Failure{static_cast<Code>(doc["code"].get<int>()),
                                     who + ": " + oci::one_line(doc.value("msg", std::string())),
                                     doc.value("details", std::string())});
    return std::unexpected(Failure{Code::internal,
                                   who + ": " +
                                       (ran->exit_code < 0 ? "killed by signal " + std::to_string(ran->signal)
                                                           : "exit status " + std::to_string(ran->exit_code)) +
                                       (ran->err.empty() ? "" : ": " + oci::one_line(ran->err)),
                                   {}});
  }
  if (command != Command::add) return json();
  if (doc.is_discarded())
    return std::unexpected(Failure{Code::decode_failure, who + ": its result is not JSON: " + oci::one_line(ran->out), {}});
  return doc;
}

}  // namespace

Outcome<void> find_ipam_plugin(const Environment& env, const NetConf& conf) {
  MR_TRY(find_in_path(plugin_type(conf), env.path));
  return {};
}

Outcome<AddResult> ipam_add(const Environment& env, const NetConf& conf) {
  auto doc = MR_TRY_VALUE(run_delegate(env, conf, Command::add));
  auto result = decode_result(doc, plugin_type(conf) + "'s result");
  // Handed out, but in words this plugin cannot read: given back at once.
  if (!result)
    if (auto undone = ipam_del(env, conf); !undone) log_warn(undone.error().msg);
  return result;
}

Outcome<void> ipam_del(const Environment& env, const NetConf& conf) {
  MR_TRY(run_delegate(env, conf, Command::del));
  return {};
}

}  // namespace mr::cni

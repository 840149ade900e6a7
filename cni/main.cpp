// mini-runc-cni: the CNI plugin's door. Everything comes from the environment (CNI_*) and
// stdin (the plugin configuration); the answer goes to stdout as the spec's JSON (a
// result, the VERSION answer, or an error with exit status 1). stderr carries only the
// logger's warnings.
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>

#include "base/log.hpp"
#include "cni/attachment.hpp"
#include "cni/plugin_status.hpp"
#include "cni/protocol.hpp"
#include "oci/json_input.hpp"

extern char** environ;

namespace {

using namespace mr::cni;

std::map<std::string, std::string> environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string pair(*e);
    auto eq = pair.find('=');
    if (eq != std::string::npos) env.emplace(pair.substr(0, eq), pair.substr(eq + 1));
  }
  return env;
}

int answer(const nlohmann::json& j) {
  std::string text = j.dump() + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

// An error in the version the configuration asked for, when it is one this plugin speaks.
int refuse(const Failure& f, const std::string& stdin_text) {
  auto asked = read_version_request(stdin_text);
  std::string version = asked && supported_version(*asked) ? *asked : std::string(kLatestVersion);
  answer(encode_error(f, version));
  return 1;
}

int run(const std::string& stdin_text) {
  auto env = read_environment(environment());
  if (!env) return refuse(env.error(), stdin_text);
  if (env->command == Command::version) {
    auto version = read_version_request(stdin_text);
    if (!version) return refuse(version.error(), stdin_text);
    return answer(encode_version(*version));
  }
  auto conf = read_config(stdin_text, env->command);
  if (!conf) return refuse(conf.error(), stdin_text);
  switch (env->command) {
    case Command::add: {
      auto result = add(*env, *conf);
      if (!result) return refuse(result.error(), stdin_text);
      return answer(encode_result(*result, conf->cni_version));
    }
    case Command::del: {
      auto done = del(*env, *conf);
      if (!done) return refuse(done.error(), stdin_text);
      return 0;
    }
    case Command::check: {
      auto done = check(*env, *conf);
      if (!done) return refuse(done.error(), stdin_text);
      return 0;
    }
    case Command::status: {
      auto done = status(*conf);
      if (!done) return refuse(done.error(), stdin_text);
      return 0;
    }
    case Command::gc: {
      auto done = gc(*conf);
      if (!done) return refuse(done.error(), stdin_text);
      return 0;
    }
    default:
      return 1;
  }
}

}  // namespace

int main() {
  mr::log_configure({.program = "mini-runc-cni"});
  auto text = mr::oci::read_input_stream(STDIN_FILENO, kConfigFile, "the configuration");
  if (!text) return refuse({Code::io_failure, text.error().message(), {}}, "");
  return run(*text);
}

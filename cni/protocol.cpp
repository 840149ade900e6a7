// The protocol's versions, environment and answers but results (protocol_result.cpp) and
// the configuration (protocol_config.cpp).
#include "cni/protocol.hpp"

#include <algorithm>
#include <cctype>

#include "oci/json_input.hpp"

namespace mr::cni {

using nlohmann::json;

namespace {

Failure bad_variable(const std::string& name, const std::string& what) {
  return {Code::invalid_environment, oci::input_error("", "", name + ": " + what).message(), {}};
}

// SPEC.md, "Parameters": a container id starts with a letter or digit, then letters,
// digits, '_', '.' and '-'.
bool valid_container_id(std::string_view id) {
  auto word = [](unsigned char c) { return std::isalnum(c) != 0; };
  if (id.empty() || !word(id[0])) return false;
  return std::all_of(id.begin(), id.end(), [&](unsigned char c) { return word(c) || c == '_' || c == '.' || c == '-'; });
}

// The CNI_ARGS keys that mean something to this plugin (IP, MAC: CONVENTIONS.md) or to
// the runtimes that pass them on every call (containerd and CRI-O: K8S_POD_*; podman:
// the same two names).
bool known_arg(std::string_view key) {
  return key == "K8S_POD_NAMESPACE" || key == "K8S_POD_NAME" || key == "K8S_POD_INFRA_CONTAINER_ID" ||
         key == "K8S_POD_UID" || key == "IP" || key == "MAC";
}

// CNI_ARGS' IP: addresses separated by ',' (host-local's convention), each with or
// without a prefix length (the network's subnet decides it).
Outcome<std::vector<netns::IpAddress>> read_ip_arg(const std::string& text) {
  std::vector<netns::IpAddress> out;
  for (size_t start = 0; start <= text.size();) {
    size_t end = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, end - start);
    start = end + 1;
    auto a = netns::IpAddress::parse(item.substr(0, item.find('/')));
    if (!a) return std::unexpected(bad_variable("CNI_ARGS", "IP: expected IPv4 or IPv6 addresses separated by ',' (got \"" + item + "\")"));
    out.push_back(*a);
  }
  return out;
}

// libcni's UnmarshallableBool: "1" and "true", "0" and "false", in any case.
std::optional<bool> arg_bool(std::string value) {
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
  if (value == "1" || value == "true") return true;
  if (value == "0" || value == "false") return false;
  return std::nullopt;
}

Outcome<std::map<std::string, std::string>> read_args(const std::string& text) {
  std::map<std::string, std::string> known;
  std::vector<std::string> unknown;
  std::optional<bool> ignore_unknown;
  if (text.empty()) return known;
  for (size_t start = 0; start <= text.size();) {
    size_t end = std::min(text.find(';', start), text.size());
    std::string pair = text.substr(start, end - start);
    start = end + 1;
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      return std::unexpected(bad_variable("CNI_ARGS", "expected KEY=VALUE pairs separated by ';' (got \"" + pair + "\")"));
    std::string key = pair.substr(0, eq), value = pair.substr(eq + 1);
    if (key == "IgnoreUnknown") {
      ignore_unknown = arg_bool(value);
      if (!ignore_unknown)
        return std::unexpected(bad_variable("CNI_ARGS", "IgnoreUnknown: expected 1, true, 0 or false (got \"" + value + "\")"));
    } else if (known_arg(key)) {
      known[key] = value;
    } else {
      unknown.push_back(key);
    }
  }
  if (!unknown.empty() && !ignore_unknown.value_or(false))
    return std::unexpected(bad_variable("CNI_ARGS", "unknown argument " + unknown.front() +
                                                        " (IgnoreUnknown=1 lets the plugin ignore it)"));
  return known;
}

std::optional<Command> parse_command(std::string_view name) {
  for (Command c : {Command::add, Command::del, Command::check, Command::version, Command::status, Command::gc})
    if (command_name(c) == name) return c;
  return std::nullopt;
}

}  // namespace

bool supported_version(std::string_view version) {
  return std::find(std::begin(kSupportedVersions), std::end(kSupportedVersions), version) != std::end(kSupportedVersions);
}

std::string_view command_name(Command c) {
  switch (c) {
    case Command::add: return "ADD";
    case Command::del: return "DEL";
    case Command::check: return "CHECK";
    case Command::version: return "VERSION";
    case Command::status: return "STATUS";
    case Command::gc: return "GC";
  }
  return "";
}

Outcome<Environment> read_environment(const std::map<std::string, std::string>& env) {
  auto get = [&](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  Environment out;
  auto command = get("CNI_COMMAND");
  if (!command || command->empty()) return std::unexpected(bad_variable("CNI_COMMAND", "not set"));
  auto c = parse_command(*command);
  if (!c)
    return std::unexpected(bad_variable("CNI_COMMAND", "expected ADD, DEL, CHECK, STATUS, GC or VERSION (got \"" +
                                                           *command + "\")"));
  out.command = *c;
  out.path = get("CNI_PATH").value_or("");
  if (out.command == Command::version || out.command == Command::status || out.command == Command::gc) return out;

  // An attachment: ADD, DEL and CHECK name it by container and interface.
  auto id = get("CNI_CONTAINERID");
  if (!id || id->empty()) return std::unexpected(bad_variable("CNI_CONTAINERID", "not set"));
  if (!valid_container_id(*id))
    return std::unexpected(bad_variable("CNI_CONTAINERID", "expected a letter or digit, then letters, digits, '_', '.' "
                                                           "and '-' (got \"" + *id + "\")"));
  out.container_id = *id;
  auto ifname = get("CNI_IFNAME");
  if (!ifname || ifname->empty()) return std::unexpected(bad_variable("CNI_IFNAME", "not set"));
  if (auto ok = netns::check_ifname(*ifname); !ok) return std::unexpected(bad_variable("CNI_IFNAME", ok.error().context));
  out.ifname = *ifname;
  // DEL goes on without a namespace: the runtime may have lost it (SPEC.md, "DEL").
  out.netns = get("CNI_NETNS").value_or("");
  if (out.netns.empty() && out.command != Command::del) return std::unexpected(bad_variable("CNI_NETNS", "not set"));
  if (!out.netns.empty() && !out.netns.starts_with('/'))
    return std::unexpected(bad_variable("CNI_NETNS", "expected the absolute path of a network namespace (got \"" +
                                                         out.netns + "\")"));
  out.args = MR_TRY_VALUE(read_args(get("CNI_ARGS").value_or("")));
  if (auto ip = out.args.find("IP"); ip != out.args.end()) out.ips = MR_TRY_VALUE(read_ip_arg(ip->second));
  if (auto mac = out.args.find("MAC"); mac != out.args.end()) {
    auto m = netns::MacAddress::parse(mac->second);
    if (!m) return std::unexpected(bad_variable("CNI_ARGS", "MAC: expected a MAC address like 02:00:00:00:00:01 (got \"" + mac->second + "\")"));
    out.mac = *m;
  }
  return out;
}

Outcome<std::string> read_version_request(std::string_view text) {
  if (std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); }))
    return std::string(kLatestVersion);
  auto doc = oci::parse_json(text, kConfigFile);
  if (!doc) return std::unexpected(Failure{Code::decode_failure, doc.error().message(), {}});
  if (!doc->is_object())
    return std::unexpected(Failure{Code::decode_failure,
                                   oci::input_error(kConfigFile, "", "expected a JSON object (got " + oci::brief(*doc) + ")").message(),
                                   {}});
  auto it = doc->find("cniVersion");
  if (it == doc->end()) return std::string(kLatestVersion);
  if (!it->is_string())
    return std::unexpected(Failure{Code::decode_failure,
                                   oci::input_error(kConfigFile, "/cniVersion", "expected a string (got " + oci::brief(*it) + ")").message(),
                                   {}});
  return it->get<std::string>();
}

json encode_version(std::string_view version) {
  json versions = json::array();
  for (auto v : kSupportedVersions) versions.push_back(v);
  return {{"cniVersion", version}, {"supportedVersions", versions}};
}

json encode_error(const Failure& f, std::string_view version) {
  json out{{"cniVersion", version}, {"code", static_cast<int>(f.code)}, {"msg", f.msg}};
  if (!f.details.empty()) out["details"] = f.details;
  return out;
}

}  // namespace mr::cni

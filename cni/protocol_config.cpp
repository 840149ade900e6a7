// The plugin configuration on stdin (SPEC.md, sections 1 and 3): what the runtime
// derives from a network configuration for one plugin.
#include <algorithm>
#include <cctype>

#include "cni/protocol.hpp"
#include "cni/protocol_kind.hpp"
#include "oci/json_input.hpp"

namespace mr::cni {

using nlohmann::json;

namespace {

Failure at(Code code, const std::string& pointer, const std::string& what) {
  return {code, oci::input_error(kConfigFile, pointer, what).message(), {}};
}

// A value for a message that must name it (code 2): compact JSON, cut short.
std::string shown(const json& v) {
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 64) text = text.substr(0, 61) + "...";
  return text;
}

// SPEC.md, section 1: a network name starts with a letter or digit, then letters,
// digits, '_', '.' and '-'.
bool valid_name(std::string_view s) {
  auto word = [](unsigned char c) { return std::isalnum(c) != 0; };
  if (s.empty() || !word(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [&](unsigned char c) { return word(c) || c == '_' || c == '.' || c == '-'; });
}

// The keys of a plugin configuration this plugin takes. The runtime inserts cniVersion,
// name, runtimeConfig and prevResult; "capabilities" is the network configuration's own
// declaration, which runtimes pass on unchanged; keys under "cni.dev/" are reserved for
// the protocol; the attachment's kind has its own (protocol_kind.hpp). Anything else
// (dns, args, ipMasq, ...) is a request this plugin would not honour, and so an error.
bool known_key(std::string_view key) {
  for (std::string_view k : {"cniVersion", "name", "type", "networkDir", "stateDir", "runtimeConfig",
                             "prevResult", "capabilities"})
    if (key == k) return true;
  return kind_key(key) || key.starts_with("cni.dev/");
}

class ConfigReader {
 public:
  explicit ConfigReader(const json& doc) : doc_(doc) {}

  Outcome<NetConf> read(Command command) {
    NetConf c;
    // The version first: every later answer, an error too, is written in it.
    c.cni_version = MR_TRY_VALUE(string_at("/cniVersion", true)).value();
    if (!supported_version(c.cni_version)) {
      std::string list;
      for (auto v : kSupportedVersions) list += (list.empty() ? "" : ", ") + std::string(v);
      return std::unexpected(at(Code::incompatible_version, "/cniVersion",
                                "unsupported version \"" + c.cni_version + "\" (supported: " + list + ")"));
    }
    // The supported versions compare as strings: CHECK came with 0.4.0, STATUS and GC
    // with 1.1.0.
    const std::string_view since = command == Command::check                             ? "0.4.0"
                                   : command == Command::status || command == Command::gc ? "1.1.0"
                                                                                         : "0.3.0";
    if (c.cni_version < since)
      return std::unexpected(at(Code::incompatible_version, "/cniVersion",
                                std::string(command_name(command)) + " needs version " + std::string(since) +
                                    " or later (got \"" + c.cni_version + "\")"));
    for (const auto& [key, value] : doc_.items())
      if (!known_key(key))
        return std::unexpected(at(Code::unsupported_field, oci::pointer_append("", key),
                                  "unsupported field " + key + " = " + shown(value)));
    c.name = MR_TRY_VALUE(string_at("/name", true)).value();
    if (!valid_name(c.name))
      return std::unexpected(at(Code::invalid_config, "/name",
                                "expected a letter or digit, then letters, digits, '_', '.' and '-' (got \"" + c.name + "\")"));
    c.type = MR_TRY_VALUE(string_at("/type", true)).value();
    if (c.type.empty() || c.type.find('/') != std::string::npos)
      return std::unexpected(at(Code::invalid_config, "/type", "expected a plugin's file name (got \"" + c.type + "\")"));
    MR_TRY(read_attachment_kind(doc_, c));
    c.network_dir = MR_TRY_VALUE(path_at("/networkDir"));
    c.state_dir = MR_TRY_VALUE(path_at("/stateDir"));
    if (auto it = doc_.find("capabilities"); it != doc_.end() && !it->is_object())
      return std::unexpected(at(Code::decode_failure, "/capabilities", "expected an object (got " + oci::brief(*it) + ")"));
    if (auto it = doc_.find("runtimeConfig"); it != doc_.end()) MR_TRY(read_runtime_config(*it, c));
    if (auto it = doc_.find("prevResult"); it != doc_.end()) {
      if (!it->is_object())
        return std::unexpected(at(Code::decode_failure, "/prevResult", "expected an object (got " + oci::brief(*it) + ")"));
      c.prev_result = *it;
    }
    if (command == Command::gc) c.valid_attachments = MR_TRY_VALUE(read_valid_attachments());
    return c;
  }

 private:
  Outcome<std::optional<std::string>> string_at(const std::string& pointer, bool required) {
    auto it = doc_.find(pointer.substr(1));
    if (it == doc_.end()) {
      if (required) return std::unexpected(at(Code::invalid_config, pointer, "missing; expected a string"));
      return std::optional<std::string>{};
    }
    if (!it->is_string())
      return std::unexpected(at(Code::decode_failure, pointer, "expected a string (got " + oci::brief(*it) + ")"));
    return it->get<std::string>();
  }

  Outcome<std::optional<std::string>> path_at(const std::string& pointer) {
    auto s = MR_TRY_VALUE(string_at(pointer, false));
    if (s && !s->starts_with('/'))
      return std::unexpected(at(Code::invalid_config, pointer, "expected an absolute path (got \"" + *s + "\")"));
    return s;
  }

  // runtimeConfig holds the capabilities the configuration declared and the runtime
  // filled in (CONVENTIONS.md): portMappings, ips, mac, aliases; the CRI's pod
  // annotations are taken and carry nothing this plugin acts on.
  Outcome<void> read_runtime_config(const json& rc, NetConf& c) {
    if (!rc.is_object())
      return std::unexpected(at(Code::decode_failure, "/runtimeConfig", "expected an object (got " + oci::brief(rc) + ")"));
    for (const auto& [key, value] : rc.items()) {
      std::string ptr = oci::pointer_append("/runtimeConfig", key);
      if (key == "portMappings") {
        MR_TRY(expect_array(value, ptr));
        for (size_t i = 0; i < value.size(); ++i)
          c.ports.push_back(MR_TRY_VALUE(read_port_mapping(value[i], oci::pointer_append(ptr, i))));
      } else if (key == "ips") {
        MR_TRY(expect_array(value, ptr));
        for (size_t i = 0; i < value.size(); ++i) c.ips.push_back(MR_TRY_VALUE(read_ip(value[i], oci::pointer_append(ptr, i))));
      } else if (key == "mac") {
        auto text = MR_TRY_VALUE(expect_string(value, ptr));
        auto m = netns::MacAddress::parse(text);
        if (!m) return std::unexpected(at(Code::invalid_config, ptr, "expected a MAC address like 02:00:00:00:00:01 (got \"" + text + "\")"));
        c.mac = *m;
      } else if (key == "aliases") {
        if (!value.is_object())
          return std::unexpected(at(Code::decode_failure, ptr, "expected an object (got " + oci::brief(value) + ")"));
        // Keyed by network name (podman): only this network's names are this plugin's.
        for (const auto& [net, names] : value.items()) {
          std::string at_net = oci::pointer_append(ptr, net);
          MR_TRY(expect_array(names, at_net));
          for (size_t i = 0; i < names.size(); ++i) {
            auto name = MR_TRY_VALUE(expect_string(names[i], oci::pointer_append(at_net, i)));
            if (net == c.name) c.aliases.push_back(std::move(name));
          }
        }
      } else if (key != "io.kubernetes.cri.pod-annotations") {
        return std::unexpected(at(Code::unsupported_field, ptr, "unsupported capability " + key + " = " + shown(value)));
      }
    }
    return {};
  }

  Outcome<void> expect_array(const json& v, const std::string& ptr) {
    if (!v.is_array()) return std::unexpected(at(Code::decode_failure, ptr, "expected an array (got " + oci::brief(v) + ")"));
    return {};
  }
  Outcome<std::string> expect_string(const json& v, const std::string& ptr) {
    if (!v.is_string()) return std::unexpected(at(Code::decode_failure, ptr, "expected a string (got " + oci::brief(v) + ")"));
    return v.get<std::string>();
  }

  // An address of runtimeConfig.ips: "10.88.0.5" or "10.88.0.5/16"; the network's subnet
  // gives the prefix length.
  Outcome<netns::IpAddress> read_ip(const json& v, const std::string& ptr) {
    auto text = MR_TRY_VALUE(expect_string(v, ptr));
    auto a = netns::IpAddress::parse(std::string_view(text).substr(0, text.find('/')));
    if (!a) return std::unexpected(at(Code::invalid_config, ptr, "expected an IPv4 or IPv6 address (got \"" + text + "\")"));
    return *a;
  }

  // GC's cni.dev/valid-attachments: [{"containerID": ..., "ifname": ...}, ...].
  Outcome<std::vector<std::pair<std::string, std::string>>> read_valid_attachments() {
    const std::string ptr = "/cni.dev~1valid-attachments";
    std::vector<std::pair<std::string, std::string>> out;
    auto it = doc_.find("cni.dev/valid-attachments");
    if (it == doc_.end()) return std::unexpected(at(Code::invalid_config, ptr, "missing; expected an array of attachments"));
    MR_TRY(expect_array(*it, ptr));
    for (size_t i = 0; i < it->size(); ++i) {
      const json& a = (*it)[i];
      std::string at_i = oci::pointer_append(ptr, i);
      if (!a.is_object())
        return std::unexpected(at(Code::decode_failure, at_i, "expected an object (got " + oci::brief(a) + ")"));
      std::pair<std::string, std::string> pair;
      for (auto [key, out_field] : {std::pair{"containerID", &pair.first}, std::pair{"ifname", &pair.second}}) {
        auto f = a.find(key);
        if (f == a.end()) return std::unexpected(at(Code::invalid_config, at_i + "/" + key, "missing; expected a string"));
        *out_field = MR_TRY_VALUE(expect_string(*f, at_i + "/" + key));
      }
      out.push_back(std::move(pair));
    }
    return out;
  }

  // CONVENTIONS.md, "Port mappings": {hostPort, containerPort, protocol, hostIP}.
  Outcome<netns::FilterPort> read_port_mapping(const json& p, const std::string& ptr) {
    if (!p.is_object()) return std::unexpected(at(Code::decode_failure, ptr, "expected an object (got " + oci::brief(p) + ")"));
    for (const auto& [key, value] : p.items())
      if (key != "hostPort" && key != "containerPort" && key != "protocol" && key != "hostIP")
        return std::unexpected(at(Code::unsupported_field, oci::pointer_append(ptr, key),
                                  "unsupported field " + key + " = " + shown(value)));
    netns::FilterPort port;
    for (auto [key, out] : {std::pair{"hostPort", &port.host_port}, std::pair{"containerPort", &port.container_port}}) {
      auto it = p.find(key);
      std::string at_key = ptr + "/" + key;
      if (it == p.end()) return std::unexpected(at(Code::invalid_config, at_key, "missing; expected a port number"));
      if (!it->is_number())
        return std::unexpected(at(Code::decode_failure, at_key, "expected a number (got " + oci::brief(*it) + ")"));
      if (!it->is_number_unsigned() || it->get<uint64_t>() < 1 || it->get<uint64_t>() > 65535)
        return std::unexpected(at(Code::invalid_config, at_key, "expected a number from 1 to 65535 (got " + oci::brief(*it) + ")"));
      *out = it->get<uint16_t>();
    }
    if (auto it = p.find("protocol"); it != p.end()) {
      if (!it->is_string())
        return std::unexpected(at(Code::decode_failure, ptr + "/protocol", "expected a string (got " + oci::brief(*it) + ")"));
      std::string proto = it->get<std::string>();
      std::transform(proto.begin(), proto.end(), proto.begin(), [](unsigned char ch) { return std::tolower(ch); });
      if (proto == "tcp" || proto.empty())
        port.protocol = 6;
      else if (proto == "udp")
        port.protocol = 17;
      else if (proto == "sctp")
        port.protocol = 132;
      else
        return std::unexpected(at(Code::invalid_config, ptr + "/protocol",
                                  "expected tcp, udp or sctp (got \"" + it->get<std::string>() + "\")"));
    }
    if (auto it = p.find("hostIP"); it != p.end()) {
      if (!it->is_string())
        return std::unexpected(at(Code::decode_failure, ptr + "/hostIP", "expected a string (got " + oci::brief(*it) + ")"));
      // "" is what runtimes write for every address of the host.
      if (!it->get<std::string>().empty()) {
        auto a = netns::IpAddress::parse(it->get<std::string>());
        if (!a)
          return std::unexpected(at(Code::invalid_config, ptr + "/hostIP",
                                    "expected an IPv4 or IPv6 address (got \"" + it->get<std::string>() + "\")"));
        port.host_ip = *a;
      }
    }
    return port;
  }

  const json& doc_;
};

}  // namespace

Outcome<NetConf> read_config(std::string_view text, Command command) {
  auto doc = oci::parse_json(text, kConfigFile);
  if (!doc) return std::unexpected(Failure{Code::decode_failure, doc.error().message(), {}});
  if (!doc->is_object())
    return std::unexpected(at(Code::decode_failure, "", "expected a JSON object (got " + oci::brief(*doc) + ")"));
  auto conf = ConfigReader(*doc).read(command);
  if (conf) conf->text = text;
  return conf;
}

}  // namespace mr::cni

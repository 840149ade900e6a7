// The CNI protocol (SPEC.md of containernetworking/cni, 1.1.0) as data: the parameters a
// runtime passes in the environment, the plugin configuration it writes to stdin, and
// what the plugin writes back on stdout (a result in the configuration's version, the
// VERSION answer, or an error with one of the spec's codes). Pure: nothing here opens a
// file, a namespace or a socket; cni/attachment.hpp does the work.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "netns/ip.hpp"
#include "netns/link.hpp"
#include "netns/packet_filter.hpp"

namespace mr::cni {

// The versions whose configurations and results this plugin speaks, oldest first.
// 0.1.0 and 0.2.0 (results without "interfaces") are not among them.
inline constexpr std::string_view kSupportedVersions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
inline constexpr std::string_view kLatestVersion = "1.1.0";
bool supported_version(std::string_view version);

// The spec's well-known error codes (SPEC.md, "Error").
enum class Code : int {
  incompatible_version = 1,
  unsupported_field = 2,
  unknown_container = 3,
  invalid_environment = 4,
  io_failure = 5,
  decode_failure = 6,
  invalid_config = 7,
  try_again = 11,
  not_available = 50,  // STATUS: ADD would fail now
  internal = 999,  // libcni's ErrInternal: a failure of the plugin or the host
};

// `msg` is one line that names the variable, or stdin and the JSON pointer, that is
// wrong: "stdin:/runtimeConfig/portMappings/0/hostPort: expected ...".
struct Failure {
  Code code = Code::internal;
  std::string msg;
  std::string details;
};
template <class T>
using Outcome = std::expected<T, Failure>;

// ---- the environment ----

enum class Command { add, del, check, version, status, gc };
std::string_view command_name(Command c);

struct Environment {
  Command command = Command::version;
  std::string container_id;  // ADD, DEL, CHECK
  std::string netns;         // ADD, CHECK; DEL when the runtime still has it, else ""
  std::string ifname;        // ADD, DEL, CHECK
  std::string path;          // CNI_PATH, as given
  // CNI_ARGS pairs this plugin knows (K8S_POD_*, IP, MAC); with IgnoreUnknown, unknown
  // ones are dropped, without it they are an error.
  std::map<std::string, std::string> args;
  // CNI_ARGS' IP (a comma-separated list) and MAC, checked.
  std::vector<netns::IpAddress> ips;
  std::optional<netns::MacAddress> mac;
};

// Reads CNI_* from `env` (name -> value); what a command needs must be there and well
// formed (code 4, the variable named).
Outcome<Environment> read_environment(const std::map<std::string, std::string>& env);

// ---- the configuration on stdin ----

// A host device moved into the namespace as CNI_IFNAME ("device", the reference
// host-device plugin's key), or the one whose MAC is "hwaddr"; given back on DEL.
struct HostDeviceKind {
  std::string device;  // "" when found by hwaddr
  std::optional<netns::MacAddress> hwaddr;
};
// A macvlan child of host device "master", CNI_IFNAME in the namespace.
struct MacvlanKind {
  std::string master;
  netns::MacvlanMode mode = netns::MacvlanMode::bridge;
  std::optional<uint32_t> mtu;
};
// A veth whose host end is a port of the existing host bridge "bridge".
struct BridgeKind {
  std::string bridge;
  std::optional<uint32_t> mtu;
};
using AttachmentKind = std::variant<HostDeviceKind, MacvlanKind, BridgeKind>;

struct NetConf {
  std::string cni_version;
  std::string name;  // the network configuration's name
  std::string type;
  // Our own fields: the managed network (netdef/) the attachment joins, where network
  // definitions live, and where attachments are kept.
  std::string network;
  // Or a host device, each kind with the key of the reference plugin that makes it
  // (protocol_kind.cpp): exactly one of these, or `network`.
  std::optional<AttachmentKind> kind;
  // Delegated IPAM (SPEC.md, "Delegated plugins") for `kind`: the "ipam" object, whose
  // "type" names the plugin in CNI_PATH; its other keys are that plugin's.
  std::optional<nlohmann::json> ipam;
  std::optional<std::string> network_dir;
  std::optional<std::string> state_dir;
  // runtimeConfig.portMappings (the "portMappings" capability), as published ports;
  // container_ip unset: the service fills it in.
  std::vector<netns::FilterPort> ports;
  // runtimeConfig.ips and .mac: the addresses and MAC the runtime asks for (they win
  // over CNI_ARGS' IP and MAC); runtimeConfig.aliases[name]: more names in the DNS.
  std::vector<netns::IpAddress> ips;
  std::optional<netns::MacAddress> mac;
  std::vector<std::string> aliases;
  std::optional<nlohmann::json> prev_result;
  // GC: cni.dev/valid-attachments, the (container id, interface) pairs to keep.
  std::vector<std::pair<std::string, std::string>> valid_attachments;
  std::string text;  // stdin as the runtime wrote it, which a delegated plugin gets whole
};

// How errors name the configuration: the runtime writes it to the plugin's stdin.
inline constexpr const char* kConfigFile = "stdin";

// Parses and checks stdin's text for `command`: malformed JSON or a value of the wrong
// type is code 6, an unsupported cniVersion 1, a field this plugin does not take 2 (key
// and value named), a missing or bad value 7.
Outcome<NetConf> read_config(std::string_view text, Command command);

// The cniVersion of stdin for VERSION (its only input): kLatestVersion when stdin is
// empty; any version string is answered.
Outcome<std::string> read_version_request(std::string_view text);

// ---- what the plugin writes ----

struct ResultInterface {
  std::string name;
  std::optional<netns::MacAddress> mac;
  uint32_t mtu = 0;     // 0: not told (1.1.0 only)
  std::string sandbox;  // the netns path; "" on the host
  auto operator<=>(const ResultInterface&) const = default;
};
struct ResultIp {
  netns::IpPrefix address;  // the address with its subnet's length
  std::optional<netns::IpAddress> gateway;
  std::optional<int> interface;  // index into interfaces
  auto operator<=>(const ResultIp&) const = default;
};
struct ResultRoute {
  netns::IpPrefix dst;
  std::optional<netns::IpAddress> gw;
  auto operator<=>(const ResultRoute&) const = default;
};
struct ResultDns {
  std::vector<std::string> nameservers;
  std::string domain;
  std::vector<std::string> search;
  std::vector<std::string> options;
  auto operator<=>(const ResultDns&) const = default;
};
struct AddResult {
  std::vector<ResultInterface> interfaces;
  std::vector<ResultIp> ips;
  std::vector<ResultRoute> routes;
  ResultDns dns;
  auto operator<=>(const AddResult&) const = default;
};

// The result as `version` (a supported one) shapes it: 0.3.x and 0.4.0 give each ip its
// "version" ("4" or "6"), 1.1.0 alone an interface's "mtu".
nlohmann::json encode_result(const AddResult& r, std::string_view version);
// A result of any supported version (a prevResult, the one an ADD recorded), found at
// `pointer` of `file`; errors (code 6) name both.
Outcome<AddResult> decode_result(const nlohmann::json& j, const std::string& file, const std::string& pointer = "");

// What a plugin chained after others returns (SPEC.md, "Chained plugins"): `prev`, the
// result it was given, with `ours` added; ours' interface indices follow prev's.
AddResult chain_results(AddResult prev, const AddResult& ours);

nlohmann::json encode_version(std::string_view version);
nlohmann::json encode_error(const Failure& f, std::string_view version);

}  // namespace mr::cni

#include "cni/attachment.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "base/atomic_file.hpp"
#include "base/dir_lock.hpp"
#include "base/log.hpp"
#include "base/small_file.hpp"
#include "base/state_root.hpp"
#include "cni/delegate.hpp"
#include "cni/live_result.hpp"
#include "netdef/network_store.hpp"
#include "network/network_prepare.hpp"
#include "network/network_resolve.hpp"
#include "network/service.hpp"
#include "oci/json_input.hpp"

namespace mr::cni {

namespace {

// The configuration's key for what the service names by the network spec's pointer below
// a host device kind's device (netspec/host_uses.hpp): the host device moved in, a
// macvlan's parent, a veth's bridge; its addresses came from the delegated IPAM plugin.
std::string config_pointer(const std::string& pointer, const AttachmentKind& kind) {
  if (pointer == "/move") {
    const auto* k = std::get_if<HostDeviceKind>(&kind);
    return k && k->device.empty() ? "/hwaddr" : "/device";
  }
  if (pointer == "/macvlan/parent") return "/master";
  if (pointer == "/veth/bridge") return "/bridge";
  if (pointer.starts_with("/addresses/")) return "/ipam";
  return pointer;
}

// A failure of the service in the protocol's terms: input the service found wrong at a
// place of the configuration (no errno) is code 7, a lock held elsewhere is worth another
// try (11), and what the host refused (a taken port, an exhausted pool, the kernel) is
// the host's (999), whatever setting it names.
Failure failure_of(Error e, const NetConf* conf = nullptr) {
  // The service names a published port by the network spec's pointer (/ports/N); here
  // it came from runtimeConfig.portMappings[N].
  if (e.file.empty() && e.pointer.starts_with("/ports/")) {
    e.file = kConfigFile;
    e.pointer = "/runtimeConfig/portMappings/" + e.pointer.substr(7);
  }
  if (conf && conf->kind && e.file == kConfigFile) e.pointer = config_pointer(e.pointer, *conf->kind);
  Code code = Code::internal;
  if (e.err == 0 && (!e.file.empty() || !e.pointer.empty())) code = Code::invalid_config;
  else if (e.err == EWOULDBLOCK || e.err == EAGAIN) code = Code::try_again;
  return {code, e.message(), {}};
}

template <class T>
Outcome<T> in_protocol(Result<T> r, const NetConf* conf = nullptr) {
  if (!r) return std::unexpected(failure_of(r.error(), conf));
  if constexpr (std::is_void_v<T>) return {};
  else return std::move(*r);
}

std::string result_path(const netns::ContainerNetworkDir& where) { return where.dir + "/result.json"; }
// The configuration's name (CNI's network name), written before anything is set up: GC
// is asked per network, and must leave the attachments of others alone.
std::string name_path(const netns::ContainerNetworkDir& where) { return where.dir + "/network-name"; }

// The addresses asked for: runtimeConfig.ips wins over CNI_ARGS' IP (CONVENTIONS.md).
const std::vector<netns::IpAddress>& requested_ips(const Environment& env, const NetConf& conf) {
  return conf.ips.empty() ? env.ips : conf.ips;
}

// The service names an address asked for by the spec's pointer (/addresses/N), and one
// held by another container by the device alone (EADDRINUSE); here it came from
// runtimeConfig.ips[N] or CNI_ARGS' IP.
Error at_address_source(Error e, const Environment& env, const NetConf& conf) {
  if (e.file != kConfigFile) return e;
  const bool at_address = e.pointer.starts_with("/addresses/");
  if (!at_address && !(e.pointer.empty() && e.err == EADDRINUSE)) return e;
  if (!conf.ips.empty()) {
    e.pointer = "/runtimeConfig/ips" + (at_address ? e.pointer.substr(10) : "");
  } else if (!env.ips.empty()) {
    e.file = "CNI_ARGS";
    e.pointer = "IP";
  }
  return e;
}

// The namespace at CNI_NETNS, refused when it is no network namespace or the caller's own.
Outcome<netns::Netns> open_sandbox(const std::string& path) {
  auto ns = network::open_namespace_path(path);
  if (!ns) return std::unexpected(Failure{Code::invalid_environment, "CNI_NETNS: " + ns.error().message(), {}});
  auto own = network::is_callers_namespace(*ns);
  if (!own) return std::unexpected(failure_of(own.error()));
  if (*own)
    return std::unexpected(Failure{Code::invalid_environment,
                                   "CNI_NETNS: " + path + " is the plugin's own network namespace (the host's): refused", {}});
  return std::move(*ns);
}

// The host device of a configuration's kind (protocol_kind.hpp), as the network spec's.
Result<netns::DeviceConfig> host_device(const AttachmentKind& kind, netns::DeviceConfig d) {
  if (const auto* k = std::get_if<HostDeviceKind>(&kind)) {
    std::string name = k->device;
    if (name.empty()) {
      auto found = network::host_device_with_mac(*k->hwaddr);
      if (!found) return std::unexpected(oci::input_error(kConfigFile, "/hwaddr", found.error().message()));
      name = *found;
    }
    d.kind = netns::MoveDevice{.host_name = name};
  } else if (const auto* m = std::get_if<MacvlanKind>(&kind)) {
    d.kind = netns::MacvlanDevice{.parent = m->master, .mode = m->mode};
    d.mtu = m->mtu;
  } else {
    const auto& b = std::get<BridgeKind>(kind);
    d.kind = netns::VethDevice{.bridge = b.bridge};
    d.mtu = b.mtu;
  }
  return d;
}

// The device of the attachment, CNI_IFNAME: on the managed network (resolved against the
// network directory), or the host device the configuration names; checked against the
// host before anything changes.
Result<netns::NetConfig> attachment_config(const Environment& env, const NetConf& conf) {
  netns::DeviceConfig d{.name = env.ifname,
                        .kind = netns::NetworkDevice{.network = conf.network,
                                                     .requested = requested_ips(env, conf),
                                                     .aliases = conf.aliases,
                                                     .ports = conf.ports},
                        .mac = conf.mac ? conf.mac : env.mac,
                        .origin = std::string(kConfigFile) + "#"};
  auto host = MR_TRY_VALUE(network::open_host());
  netns::NetConfig net;
  if (conf.kind) {
    net.devices.push_back(MR_TRY_VALUE(host_device(*conf.kind, std::move(d))));
    MR_TRY(network::require_host(host, net));
    return net;
  }
  if (auto resolved = network::resolve_network_device(d, network_dir_of(conf), host); !resolved)
    return std::unexpected(at_address_source(std::move(resolved).error(), env, conf));
  net.devices.push_back(std::move(d));
  return net;
}

// The addresses and routes the delegated IPAM plugin handed out, on the device: a route
// without a gateway goes through the gateway of its family's address, if there is one,
// as the reference plugins' ipam.ConfigureIface does.
void with_ipam(netns::NetConfig& net, const AddResult& ipam) {
  auto& d = net.devices.front();
  for (const auto& ip : ipam.ips) d.addresses.push_back(ip.address);
  for (const auto& r : ipam.routes) {
    netns::RouteConfig route{.to = r.dst, .via = r.gw, .device = d.name, .origin = std::string(kConfigFile) + "#/ipam"};
    for (const auto& ip : ipam.ips)
      if (!route.via && ip.gateway && ip.gateway->family == r.dst.family()) route.via = ip.gateway;
    net.routes.push_back(std::move(route));
  }
}

Result<void> make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0) return fail(errno, "create " + path);
  return {};
}

// Tears down what `where` holds; with nothing there it does nothing.
Result<void> give_back(const Environment& env, const netns::ContainerNetworkDir& where) {
  auto reached = MR_TRY_VALUE(network::reach(where));
  // DEL must not fail for what is gone already (SPEC.md, DEL): a namespace out of reach
  // with steps pending is given up, a warning naming each device.
  auto torn = MR_TRY_VALUE(network::tear_down({.container_id = env.container_id,
                                               .where = where,
                                               .reached = &reached,
                                               .forget = reached.out_of_reach()}));
  for (const auto& w : torn.warnings) log_warn(w);
  for (const auto& n : torn.notes) log_debug("network: " + n);
  for (const auto& file : {result_path(where), name_path(where)})
    if (::unlink(file.c_str()) != 0 && errno != ENOENT) return fail(errno, "remove " + file);
  if (::rmdir(where.dir.c_str()) != 0 && errno != ENOENT) return fail(errno, "remove " + where.dir);
  return {};
}

Result<AddResult> set_up(const Environment& env, const netns::NetConfig& net, const netns::Netns& sandbox,
                         const netns::ContainerNetworkDir& where, const std::optional<AddResult>& ipam) {
  MR_TRY(network::set_up(net, sandbox, {.container_id = env.container_id, .where = where, .joined_by_path = true}));
  const auto* n = std::get_if<netns::NetworkDevice>(&net.devices.front().kind);
  auto view = network::show(where);
  AddResult result;
  if (view) result = live_result(*view, env.ifname, env.netns, n ? n->subnets : std::vector<netns::PoolSubnet>{},
                                 n && n->dns);
  if (view && ipam) add_ipam_details(result, *ipam);
  Result<void> kept = view ? Result<void>{} : std::unexpected(std::move(view).error());
  if (kept && result.interfaces.empty()) kept = fail(ENODEV, env.ifname + " is not in " + env.netns + " after set up");
  if (kept) kept = write_file_atomically(result_path(where), encode_result(result, kLatestVersion).dump() + "\n");
  if (!kept) {
    // Joined, but without the record CHECK needs: the join goes too.
    if (auto undone = give_back(env, where); !undone) log_warn(undone.error());
    return std::unexpected(std::move(kept).error());
  }
  return result;
}

// The attachment made: with a delegated IPAM plugin, its addresses and routes on the
// device, and given back through it when the rest fails.
Outcome<AddResult> join(const Environment& env, const NetConf& conf, netns::NetConfig net, const netns::Netns& sandbox,
                        const netns::ContainerNetworkDir& where) {
  std::optional<AddResult> ipam;
  if (conf.ipam) {
    ipam = MR_TRY_VALUE(ipam_add(env, conf));
    with_ipam(net, *ipam);
  }
  auto joined = set_up(env, net, sandbox, where, ipam);
  if (!joined && ipam)
    if (auto undone = ipam_del(env, conf); !undone) log_warn(undone.error().msg);
  if (!joined) return std::unexpected(failure_of(at_address_source(std::move(joined).error(), env, conf), &conf));
  return std::move(*joined);
}

}  // namespace

std::string state_dir_of(const NetConf& conf) { return conf.state_dir.value_or(kDefaultStateDir); }
std::string network_dir_of(const NetConf& conf) {
  return conf.network_dir.value_or(std::string(netdef::kDefaultNetworkDir));
}

std::string attachment_dir(const NetConf& conf, const Environment& env) {
  return state_dir_of(conf) + "/" + env.container_id + ":" + env.ifname;
}

Outcome<AddResult> add(const Environment& env, const NetConf& conf) {
  if (auto ok = check_state_root(state_dir_of(conf), "stateDir"); !ok) return std::unexpected(failure_of(ok.error()));
  std::optional<AddResult> prev;
  if (conf.prev_result) prev = MR_TRY_VALUE(decode_result(*conf.prev_result, kConfigFile, "/prevResult"));
  auto net = MR_TRY_VALUE(in_protocol(attachment_config(env, conf), &conf));
  if (conf.ipam) MR_TRY(find_ipam_plugin(env, conf));
  auto sandbox = MR_TRY_VALUE(open_sandbox(env.netns));
  const std::string root = state_dir_of(conf);
  if (::mkdir(root.c_str(), 0700) != 0 && errno != EEXIST)
    return std::unexpected(failure_of(sys_error(errno, "create " + root)));
  MR_TRY(in_protocol(network::share_pin_directory(root)));
  netns::ContainerNetworkDir where{attachment_dir(conf, env)};
  // The directory is the claim on the attachment: a second ADD finds it and stops before
  // looking at the host, where the first one's changes would read as conflicts.
  if (auto made = make_dir(where.dir); !made) {
    if (made.error().err == EEXIST)
      return std::unexpected(Failure{Code::internal,
                                     "container " + env.container_id + " has " + env.ifname + " already (" + where.dir +
                                         "): DEL it first", {}});
    return std::unexpected(failure_of(made.error()));
  }
  auto lock = lock_directory(where.dir);
  Result<void> named = lock ? write_file_atomically(name_path(where), conf.name + "\n")
                            : std::unexpected(std::move(lock).error());
  Outcome<AddResult> joined = named ? join(env, conf, std::move(net), sandbox, where)
                                    : std::unexpected(failure_of(std::move(named).error()));
  if (!joined) {
    ::unlink(name_path(where).c_str());
    ::rmdir(where.dir.c_str());  // fails, and so keeps the dir, when a rollback left what DEL needs
    return std::unexpected(std::move(joined).error());
  }
  // Chained after another plugin: its result goes on, with this attachment's added.
  if (prev) return chain_results(*prev, std::move(*joined));
  return std::move(*joined);
}

Outcome<void> del(const Environment& env, const NetConf& conf) {
  if (auto ok = check_state_root(state_dir_of(conf), "stateDir"); !ok) return std::unexpected(failure_of(ok.error()));
  netns::ContainerNetworkDir where{attachment_dir(conf, env)};
  // Waits for an ADD under way; ENOENT: never added, or deleted already.
  auto lock = lock_directory(where.dir);
  if (!lock && lock.error().err != ENOENT) return std::unexpected(failure_of(lock.error()));
  if (lock) MR_TRY(in_protocol(give_back(env, where)));
  // The addresses of a delegated IPAM plugin are its to give back, whether or not an
  // attachment is left here (the DEL a runtime sends after an ADD it lost).
  if (conf.ipam) return ipam_del(env, conf);
  return {};
}

Outcome<void> check(const Environment& env, const NetConf& conf) {
  if (auto ok = check_state_root(state_dir_of(conf), "stateDir"); !ok) return std::unexpected(failure_of(ok.error()));
  netns::ContainerNetworkDir where{attachment_dir(conf, env)};
  auto lock = lock_directory(where.dir);
  if (!lock && lock.error().err == ENOENT)
    return std::unexpected(Failure{Code::unknown_container,
                                   "container " + env.container_id + " has no " + env.ifname +
                                       (conf.network.empty() ? "" : " on network " + conf.network) + " (no " +
                                       where.dir + ")", {}});
  if (!lock) return std::unexpected(failure_of(lock.error()));
  std::optional<AddResult> prev;
  if (conf.prev_result) prev = MR_TRY_VALUE(decode_result(*conf.prev_result, kConfigFile, "/prevResult"));
  auto text = MR_TRY_VALUE(in_protocol(oci::read_input_file(result_path(where))));
  auto doc = MR_TRY_VALUE(in_protocol(oci::parse_json(text, result_path(where))));
  auto recorded = MR_TRY_VALUE(decode_result(doc, result_path(where)));
  // The namespace must be the one ADD was given, not one now found at the same path.
  auto sandbox = MR_TRY_VALUE(open_sandbox(env.netns));
  auto pinned = MR_TRY_VALUE(in_protocol(network::open_namespace_path(where.pin_path())));
  auto a = MR_TRY_VALUE(in_protocol(sandbox.inode()));
  auto b = MR_TRY_VALUE(in_protocol(pinned.inode()));
  if (a != b)
    return std::unexpected(Failure{Code::internal, "CNI_NETNS: " + env.netns + " is not the namespace ADD configured", {}});
  auto view = MR_TRY_VALUE(in_protocol(network::show(where)));
  auto live = live_result(view, env.ifname, env.netns, {}, false);
  auto diff = differences(prev ? with_chain_changes(recorded, *prev, env.ifname) : recorded, live, env.ifname);
  if (prev && !live.interfaces.empty())
    for (auto& d : missing_from_prev_result(*prev, live, env.ifname))
      if (std::find(diff.begin(), diff.end(), d) == diff.end()) diff.push_back(std::move(d));
  if (diff.empty()) return {};
  std::string msg;
  for (const auto& d : diff) msg += (msg.empty() ? "" : "; ") + d;
  return std::unexpected(Failure{Code::internal, msg, {}});
}

Outcome<void> gc(const NetConf& conf) {
  const std::string root = state_dir_of(conf);
  if (auto ok = check_state_root(root, "stateDir"); !ok) return std::unexpected(failure_of(ok.error()));
  auto names = list_directory(root);
  if (!names && names.error().err == ENOENT) return {};
  if (!names) return std::unexpected(failure_of(names.error()));
  std::optional<Error> first_failure;
  for (const auto& entry : *names) {
    auto colon = entry.find(':');
    if (colon == std::string::npos) continue;  // not an attachment (the pins' mount point)
    Environment env{.command = Command::gc, .container_id = entry.substr(0, colon), .ifname = entry.substr(colon + 1)};
    if (std::find(conf.valid_attachments.begin(), conf.valid_attachments.end(),
                  std::pair{env.container_id, env.ifname}) != conf.valid_attachments.end())
      continue;
    netns::ContainerNetworkDir where{root + "/" + entry};
    // An ADD or DEL under way holds the lock: that attachment is theirs.
    auto lock = lock_directory(where.dir, /*wait=*/false);
    if (!lock) {
      if (lock.error().err != ENOENT && lock.error().err != EWOULDBLOCK && !first_failure) first_failure = lock.error();
      continue;
    }
    auto name = read_small_file(name_path(where));
    if (!name || !*name || **name != conf.name + "\n") continue;
    if (auto done = give_back(env, where); !done) {
      log_warn(done.error());
      if (!first_failure) first_failure = std::move(done).error();
    }
  }
  if (first_failure) return std::unexpected(failure_of(std::move(*first_failure)));
  return {};
}

}  // namespace mr::cni

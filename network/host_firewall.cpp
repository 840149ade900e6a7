#include "network/host_firewall.hpp"

#include <netinet/in.h>

#include <optional>

#include "base/log.hpp"
#include "firewall/firewall.hpp"

namespace mr::network {

namespace {

Result<firewall::Protocol> protocol_of(uint8_t p) {
  switch (p) {
    case IPPROTO_TCP: return firewall::Protocol::tcp;
    case IPPROTO_UDP: return firewall::Protocol::udp;
    case IPPROTO_SCTP: return firewall::Protocol::sctp;
  }
  return fail(EINVAL, "protocol " + std::to_string(p) + " cannot be published");
}

Result<firewall::ContainerRules> to_firewall(const netns::FilterRules& r) {
  firewall::ContainerRules out{.network = {.network_id = r.network_id, .bridge = r.bridge, .subnets = r.subnets,
                                           .internal = r.internal},
                               .container = r.container};
  for (const auto& p : r.ports)
    out.ports.push_back({.protocol = MR_TRY_VALUE(protocol_of(p.protocol)), .host_port = p.host_port,
                         .container_port = p.container_port, .range = p.range, .host_ip = p.host_ip,
                         .container_ip = p.container_ip});
  return out;
}

class NftFilter : public netns::PacketFilter {
 public:
  Result<void> add(const netns::FilterRules& rules) override {
    auto r = MR_TRY_VALUE(to_firewall(rules));
    MR_TRY(firewall::validate(r));
    firewall::Firewall* fw = MR_TRY_VALUE(opened());
    return fw->add_container(r);
  }
  Result<void> remove(const netns::FilterRules& rules, bool last_on_network) override {
    auto r = MR_TRY_VALUE(to_firewall(rules));
    firewall::Firewall* fw = MR_TRY_VALUE(opened());
    MR_TRY(fw->remove_container(r, last_on_network));
    if (last_on_network) MR_TRY(fw->drop_table_if_unused());
    return {};
  }

  // Opened at first use, in the namespace of the thread that asks first: the host's.
  Result<firewall::Firewall*> opened() {
    if (!fw_) fw_.emplace(MR_TRY_VALUE(firewall::Firewall::open()));
    return &*fw_;
  }

 private:
  std::optional<firewall::Firewall> fw_;
};

NftFilter& host_filter() {
  static NftFilter filter;
  return filter;
}

}  // namespace

void install_host_firewall() { netns::install_packet_filter(&host_filter()); }

Result<std::vector<std::string>> forward_dropping_chains() {
  firewall::Firewall* fw = MR_TRY_VALUE(host_filter().opened());
  return fw->forward_dropping_chains();
}

void warn_forward_dropped(const std::vector<std::string>& chains, const std::string& who) {
  for (const auto& chain : chains)
    log_warn(who + "chain " + chain + " drops forwarded packets (policy drop): containers on managed networks " +
             "cannot reach out or be reached through published ports until it accepts them (README, \"Firewall\")");
}

void warn_if_forward_dropped(const std::string& network) {
  auto chains = forward_dropping_chains();
  if (!chains) return log_warn("network " + network + ": cannot list the host's chains: " + chains.error().message());
  warn_forward_dropped(*chains, "network " + network + ": ");
}

}  // namespace mr::network

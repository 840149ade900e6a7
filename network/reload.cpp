// reload_networks(): our nftables table rebuilt from the live containers' journals.
#include "netns/device_network.hpp"
#include "network/host_firewall.hpp"
#include "network/service.hpp"

namespace mr::network {

Result<std::vector<std::string>> reload_networks() {
  install_host_firewall();
  auto* filter = netns::packet_filter();
  auto host = MR_TRY_VALUE(netns::NlSocket::open());
  std::vector<std::string> reloaded;
  for (const auto& dir : MR_TRY_VALUE(netns::pool_dirs_of_host(host))) {
    // Under the pool's lock, as a join or a leave: a container leaving meanwhile takes
    // out its rules after this puts them back, never before.
    auto pool = MR_TRY_VALUE(netns::AddressPool::lock_existing(dir));
    if (!pool) continue;
    for (const auto& m : MR_TRY_VALUE(pool->members())) {
      auto joined = MR_TRY_VALUE(netns::joined_by(m.holder));
      if (!joined) continue;
      if (auto r = filter->add(joined->rules); !r)
        return std::unexpected(std::move(r).error().wrap("container " + m.holder.id + " on network " + joined->network));
      reloaded.push_back(m.holder.id);
    }
  }
  warn_forward_dropped(MR_TRY_VALUE(forward_dropping_chains()), "");
  return reloaded;
}

}  // namespace mr::network

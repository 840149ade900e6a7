// The DNS and hosts entries a container was given. `create` writes them from its network
// spec into the container's state directory (render_resolv_conf(), render_hosts()) and
// bind-mounts those files read-only over the container's /etc/resolv.conf and
// /etc/hosts; the spec itself is not kept. So these files are what the container has
// (the spec it came from may have changed or gone since), and what `net export` reads
// back into a spec.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "netspec/network_spec.hpp"

namespace mr::netspec {

struct ContainerEtc {
  std::optional<DnsConfig> dns;  // none: the container got no resolv.conf of ours
  std::vector<HostEntry> hosts;
};

// Reads back what render_resolv_conf() and render_hosts() wrote: comments and blank
// lines are skipped; a line that is not of the form they write (someone edited the
// file) is named in `left_out`, one line each, and skipped.
DnsConfig parse_resolv_conf(std::string_view text, std::vector<std::string>& left_out);
std::vector<HostEntry> parse_hosts(std::string_view text, std::vector<std::string>& left_out);

// STATE_DIR/resolv.conf and STATE_DIR/hosts, each when present.
Result<ContainerEtc> read_container_etc(const std::string& state_dir, std::vector<std::string>& left_out);

}  // namespace mr::netspec

// `mini-runc net`: the administrator's hand on a container's network after it started
// (the 2006 netns RFC: make a host device visible to an unshared container at any
// time). One file per subcommand (cmd_net_attach.cpp, ...) over network/service.hpp
// (attach, detach, show, export).
#pragma once

#include <string>
#include <string_view>

#include "network/service.hpp"
#include "base/unique_fd.hpp"
#include "runtime/cli.hpp"

namespace mr::runtime {

Command add_net_attach_command(CLI::App& net, const GlobalOptions& g);
Command add_net_detach_command(CLI::App& net, const GlobalOptions& g);
Command add_net_show_command(CLI::App& net, const GlobalOptions& g);
Command add_net_export_command(CLI::App& net, const GlobalOptions& g);

// A created or running container whose network namespace mini-runc made, locked against
// start, kill, delete, the end of a foreground run and other net commands for as long as
// this lives.
struct LiveNetwork {
  UniqueFd lock;
  StateDir dir;
  State state;

  // The init is the way to the namespace where the pin is not seen (made in another
  // mount namespace).
  netns::ContainerNetworkDir where() const {
    return {dir.path(), netns::RecordedProcess{state.pid, state.start_time}};
  }
};

// Refuses (one line, naming `command`) an unknown id, a container that is being created
// or has stopped, and one that joined another network namespace by path.
Result<LiveNetwork> open_live_network(const GlobalOptions& g, const std::string& id, std::string_view command);

}  // namespace mr::runtime

// Address management for a managed network (IPAM): which container holds which address
// of the network's subnets, on one host namespace. Every front door (mini-runc under any
// --root, netns-hook) shares one pool per network, so it lives on the host, not in a
// state root: DIR/<host netns cookie>-<network id>/, one file per held address.
//
// Like device leases (lease.hpp), an address is held by a step of a container's undo
// journal: the step is recorded before the address is used, and the address is free
// again once the step is done or its journal is gone. A killed runtime, a container
// forgotten by `delete --force` or `cleanup`, a reboot (the directory is on tmpfs) leave
// no address taken for ever; nothing has to release what a dead holder held.
//
// Joins and leaves of one network are serialised by a lock on the pool's directory, held
// by the AddressPool object: the choice of an address and its file, the bridge's creation
// and its removal by the last container to leave all happen under it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "netns/ip.hpp"
#include "netns/netlink_socket.hpp"

namespace mr::netns {

// Where the pools of this host live. MR_POOL_DIR overrides it (tests only).
std::string default_pool_root();
// The pool of network `network_id` in the host namespace of `host`.
Result<std::string> pool_dir_of(NlSocket& host, const std::string& network_id);
// Every pool of the host namespace of `host` (those of other namespaces share the root).
Result<std::vector<std::string>> pool_dirs_of_host(NlSocket& host);

struct PoolSubnet {
  IpPrefix subnet;                // host bits zero
  IpAddress gateway;              // never handed out
  std::optional<IpPrefix> range;  // addresses come only from here, if given
};

struct AddressHolder {
  std::string journal;  // ROOT/ID/network.journal of the container that holds it
  uint64_t seq = 0;     // its step that joins the network
  std::string id;       // the container's id, for messages
  std::vector<std::string> names;  // its names in the network's DNS (none: not in it)
};

// A container on the network, as its pool tells it: for the network's DNS.
struct PoolMember {
  AddressHolder holder;
  std::vector<IpAddress> addresses;
};

std::string encode_address_holder(const AddressHolder& h);
Result<AddressHolder> decode_address_holder(std::string_view text);

class AddressPool {
 public:
  // The pool at `dir`, made if missing, locked until this object goes.
  static Result<AddressPool> lock(const std::string& dir);
  // The same for a pool that exists; none if it does not (a network nobody joined yet).
  static Result<std::optional<AddressPool>> lock_existing(const std::string& dir);

  // A free address of `s` (in its range, not its network, broadcast or gateway address),
  // the one after the last handed out first, so that an address just freed is not given
  // to the next container at once. ENOSPC when none is free.
  Result<IpAddress> pick(const PoolSubnet& s, const std::string& network);
  // Whether `a` may be asked for by a container of `s`: inside the subnet, not its
  // network, broadcast or gateway address, not held. One line saying why not.
  Result<void> check_request(const PoolSubnet& s, const IpAddress& a, const std::string& network);
  // Records that `h` holds `a` (and that `a` is the last handed out of its family).
  Result<void> hold(const IpAddress& a, const AddressHolder& h);
  // Lets go of each of `addresses` that `h` holds; others' are left alone.
  Result<void> release(const std::vector<IpAddress>& addresses, const AddressHolder& h);
  // The live holder of `a`, if any.
  Result<std::optional<AddressHolder>> holder(const IpAddress& a);
  // Whether a container other than the step `self` holds an address here: the network
  // still has members, so its bridge stays.
  Result<bool> has_members_besides(const AddressHolder& self);
  // Every live member, each with the addresses it holds, in the order of their journals.
  Result<std::vector<PoolMember>> members();

  // The bridge this pool made, by ifindex, so that the last container to leave deletes
  // only that bridge (one made again by someone else under the name is left alone).
  Result<std::optional<int>> made_bridge();
  Result<void> set_made_bridge(std::optional<int> index);

  const std::string& dir() const { return dir_; }

 private:
  AddressPool(std::string dir, UniqueFd lock) : dir_(std::move(dir)), lock_(std::move(lock)) {}
  Result<bool> free_here(const IpAddress& a);
  std::string dir_;
  UniqueFd lock_;
};

// `a` plus `n`, within its family (wrapping).
IpAddress address_plus(const IpAddress& a, uint64_t n);
// The last address of `p` (the IPv4 broadcast address).
IpAddress last_address(const IpPrefix& p);

}  // namespace mr::netns

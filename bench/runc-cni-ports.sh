#!/bin/sh
# runc with a managed network made the CNI way: a named netns, Debian's reference plugins
# chained as a conflist would chain them (bridge with isGateway and ipMasq, host-local
# IPAM, portmap with one port from runtimeConfig, firewall; bench/cni-chain.sh), runc run
# joining the netns by path, the chain's DEL in reverse order, netns removal.
set -e
ip netns add bench
export CNI_CONTAINERID=b8 CNI_NETNS=/run/netns/bench CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni
/bin/sh "$(dirname "$0")/cni-chain.sh" ADD "$W/cni-ports.chain" "$W/cni-ports.b8"
"$RUNC" --root "$W/runc" run -b "$W/bundle-netns" b8
/bin/sh "$(dirname "$0")/cni-chain.sh" DEL "$W/cni-ports.chain" "$W/cni-ports.b8"
ip netns del bench

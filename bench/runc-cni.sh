#!/bin/sh
# runc with the benchmark's network made the CNI way: a named netns, the bridge plugin
# with host-local IPAM (ADD), runc run joining the netns by path, CNI DEL, netns removal.
set -e
ip netns add bench
export CNI_CONTAINERID=b5 CNI_NETNS=/run/netns/bench CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni
CNI_COMMAND=ADD /usr/lib/cni/bridge <"$W/cni.conf" >/dev/null
"$RUNC" --root "$W/runc" run -b "$W/bundle-netns" b5
CNI_COMMAND=DEL /usr/lib/cni/bridge <"$W/cni.conf"
ip netns del bench

#!/bin/sh
# The benchmark's network made by a shell script of iproute2 commands:
#   ip-net.sh up NS NSPATH   veth bhip0 on br0; eth0 in the netns (NS: a name or a pid for
#                            `ip link ... netns`, NSPATH its path) with the addresses and
#                            the default route
#   ip-net.sh down           deletes the veth (its peer goes with it)
set -e
case "$1" in
up)
  in="nsenter --net=$3"
  ip link add bhip0 master br0 up type veth peer name eth0 netns "$2"
  $in ip link set lo up
  $in ip link set eth0 up
  $in ip addr add 10.88.252.1/16 dev eth0
  $in ip addr add fd00:88::fc01/64 dev eth0 nodad
  $in ip route add default via 10.88.0.1
  ;;
down)
  ip link del bhip0
  ;;
*) echo "usage: ip-net.sh up NS NSPATH | down" >&2; exit 2 ;;
esac

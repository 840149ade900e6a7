#!/bin/sh
# The bulk case's network made by iproute2: a veth bhb0 on br0 whose peer eth0 goes into
# the netns, then every address and eth0 up in one `ip -batch` there.
#   ip-bulk.sh up PID BATCH   (BATCH: "address add ... dev eth0" lines, "link set eth0 up")
#   ip-bulk.sh down           deletes the veth (its peer goes with it)
set -e
case "$1" in
up)
  ip link add bhb0 master br0 up type veth peer name eth0 netns "$2"
  nsenter --net="/proc/$2/ns/net" ip -batch "$3"
  ;;
down)
  ip link del bhb0
  ;;
*) echo "usage: ip-bulk.sh up PID BATCH | down" >&2; exit 2 ;;
esac

#!/bin/sh
# runc with the benchmark's network made by ip commands: a named netns, the network
# (ip-net.sh), runc run joining the netns by path (bundle-netns), then both undone.
set -e
ip netns add bench
/bin/sh "$(dirname "$0")/ip-net.sh" up bench /run/netns/bench
"$RUNC" --root "$W/runc" run -b "$W/bundle-netns" b6
/bin/sh "$(dirname "$0")/ip-net.sh" down
ip netns del bench

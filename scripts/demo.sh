#!/usr/bin/env bash
# Builds mini-runc (build/release), makes a busybox bundle under build/release/demo, and
# runs the 2006 netns RFC's promises with real containers, all inside a throwaway "host"
# network namespace (this machine's own interfaces are never touched):
#   - two containers serve the same address:port (0.0.0.0:8080) at once on one bridge,
#     and each is reached separately at its own address;
#   - a host device is moved into a container, renamed and given the spec's address,
#     and comes back to the host with its name and address when the container ends.
# Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build/release -DBUILD_TESTING=OFF
demo=build/release/demo
rm -rf "$demo" && mkdir -p "$demo"
scripts/make-bundle.sh "$demo/bundle" build/release/runtime/mini-runc >/dev/null
# The demo itself runs in a new network namespace: `unshare --net` (not `ip netns exec`,
# which would remount /sys) gives it a host of its own.
exec unshare --net scripts/demo-inside.sh "$PWD/build/release/runtime/mini-runc" "$PWD/$demo"

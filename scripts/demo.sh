#!/usr/bin/env bash
# Builds mini-runc (build/release), makes a busybox bundle in examples/bundle, and runs
# the 2006 netns RFC's promises with real containers, all inside a throwaway "host"
# network namespace (this machine's own interfaces are never touched):
#   - two containers serve the same address:port (0.0.0.0:8080) at once on one bridge,
#     and each is reached separately at its own address;
#   - a host device is moved into a container, renamed and given the spec's address,
#     and comes back to the host with its name and address when the container ends;
#   - a managed network: a published port reached from a stand-in internet and from the
#     host's 127.0.0.1, a container found by name, nothing left after delete.
# Exits non-zero, with a line saying what, when any of that does not hold.
# Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build/release -DBUILD_TESTING=OFF
runc=$PWD/build/release/runtime/mini-runc
rm -rf examples/bundle
scripts/make-bundle.sh examples/bundle "$runc" >/dev/null
# Each container's copy of the bundle and the runtime's state go in a directory of their
# own, removed at the end.
work=$(mktemp -d /tmp/mini-runc-demo.XXXXXX)
# The state root stays a mount point (mini-runc shares it, as `ip netns` does /run/netns).
trap 'umount -l "$work/state" 2>/dev/null; rm -rf "$work"' EXIT
# The demo itself runs in a new network namespace: `unshare --net` (not `ip netns exec`,
# which would remount /sys) gives it a host of its own.
unshare --net scripts/demo-inside.sh "$runc" "$PWD/examples/bundle" "$work"

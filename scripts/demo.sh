#!/usr/bin/env bash
# Builds mini-runc and runs the demo: the 2006 netns RFC's walkthrough, in a throwaway
# "host" network namespace (this machine's own interfaces are never touched).
# Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
build=${MR_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build"
exec "$build/examples/netns-demo"

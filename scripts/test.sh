#!/usr/bin/env bash
# Builds mini-runc and runs the whole test suite (unit + integration) with ctest.
# Run as root on Debian 12: the integration tests make network namespaces. Extra
# arguments go to ctest, e.g. scripts/test.sh -R 'move' to run matching tests only.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
build=${MR_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build"
cd "$build"
exec ctest --output-on-failure --timeout 300 -j"$(nproc)" "$@"

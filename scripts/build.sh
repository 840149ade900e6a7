#!/usr/bin/env bash
# Installs what is missing (scripts/setup-deps.sh), then configures and builds mini-runc
# in DIR (default build/release) with any further CMake arguments.
#   scripts/build.sh build/test -DMR_FAULT_INJECTION=ON
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
dir=${1:-build/release}
shift || true
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
ninja -C "$dir"

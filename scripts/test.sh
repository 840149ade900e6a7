#!/usr/bin/env bash
# Builds mini-runc with fault injection compiled in (build/test) and runs the whole test
# suite, unit and integration, with ctest. Run as root on Debian 12: the integration
# tests make network namespaces. Extra arguments go to ctest:
#   scripts/test.sh -R 'move'      # only the tests whose names match
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build/test -DMR_FAULT_INJECTION=ON
cd build/test
exec ctest --output-on-failure -j"$(nproc)" "$@"

#!/usr/bin/env bash
# Runs one integration test case by its exact name: what soak.sh and crash-campaign.sh
# share to run a test of the suite longer. Builds build/test (with fault injection, as
# scripts/test.sh), or with BUILD=DIR brings that existing build dir up to date with ninja
# and runs its test binary instead. Needs root, like the integration tests.
#   scripts/integration-case.sh "NAME"
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${BUILD:-}" ]; then
  ninja -C "$BUILD" integration_tests mini-runc
else
  BUILD=build/test
  scripts/build.sh build/test -DMR_FAULT_INJECTION=ON
fi
exec "$BUILD"/tests/integration_tests --test-case="$1"

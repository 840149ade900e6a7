#!/usr/bin/env bash
# Soak test, not run by CI: 1000 (or CYCLES) sequential `mini-runc run` cycles, each moving
# a device in and making a veth on a bridge, on a throwaway sandbox host. After every
# cycle the host's link count, the mounts under the test's directory and the runtime's
# open fds (counted by a createRuntime hook) must be what they were after the first.
# It is the suite's 50-cycle test, run longer. Needs root, like the integration tests.
#   scripts/soak.sh            # 1000 cycles
#   CYCLES=5000 scripts/soak.sh
#   BUILD=build scripts/soak.sh   # the test binary of an existing build dir, brought up
#                                 # to date with ninja, instead of building build/test
set -euo pipefail
export MR_SOAK_CYCLES=${CYCLES:-1000}
exec "$(dirname "$0")"/integration-case.sh \
  "run cycles leave the host's links and mounts and the runtime's fds unchanged"

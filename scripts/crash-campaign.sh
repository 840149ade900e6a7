#!/usr/bin/env bash
# Crash campaign, not run by CI: 500 (or ROUNDS) rounds on a throwaway sandbox host, each
# SIGKILLing one of `mini-runc create`, `run`, `delete`, `delete --force`, `net attach`
# or `net detach` at a random moment of it, then recovering with `delete --force` and
# `cleanup`. After every round the host's links (same ifindex), addresses, routes and
# mounts must be as before, no state directory or device lease may be left, and the id
# must be creatable again. A broken round prints its seed, round, command and delay;
# SEED replays the same draws (the moments of the kills depend on the machine's speed).
# It is the suite's short campaign, run longer. Needs root, like the integration tests.
#   scripts/crash-campaign.sh               # 500 rounds, the test's fixed seed
#   ROUNDS=2000 SEED=$RANDOM scripts/crash-campaign.sh
#   BUILD=build scripts/crash-campaign.sh   # the test binary of an existing build dir,
#                                           # brought up to date with ninja
set -euo pipefail
export MR_CRASH_ROUNDS=${ROUNDS:-500}
[ -z "${SEED:-}" ] || export MR_CRASH_SEED=$SEED
exec "$(dirname "$0")"/integration-case.sh \
  "mini-runc SIGKILLed at a random moment of create or run or delete or net attach or detach leaves nothing that delete --force and cleanup do not restore"

#!/usr/bin/env bash
# Benchmarks mini-runc against the tools users would pick instead (crun, runc, runc + CNI
# bridge, runc + an `ip` script), side by side in one run, and writes the table to
# bench/results/latest.md and the scale curve to bench/results/scale.png.
# Not part of the test suite. Run as root on Debian 12:
#   scripts/bench.sh                 # full run (takes a while)
#   scripts/bench.sh --quick         # few iterations, to check the harness
# It first traces the hot path into the release build (scripts/hot-text.sh), so the
# binaries measured are linked as a release build of this code is.
# ROUNDS, WARMUP, SEQ_RUNS, SCALE_ROUNDS, SCALE_LEVELS, BULK_ROUNDS, BULK_ADDRESSES,
# CONNECTS (connections per run of the latency cases) and CNI_FILL (attachments alive for
# the plugin's scale case) in the environment override the iteration counts. Everything
# happens in a throwaway "host" network namespace and a private mount namespace: this
# machine's interfaces, mounts and nftables ruleset are not touched; its cgroups only by
# the seccomp + cgroups case (bench/cgroup-case.sh), whose /mini-runc-bench-* cgroups each
# run removes, checked after every run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }

if [ "${1:-}" = --quick ]; then
  : "${ROUNDS:=5}" "${WARMUP:=1}" "${SEQ_RUNS:=40}" "${SCALE_ROUNDS:=5}" "${SCALE_LEVELS:=0 10 50}" "${BULK_ROUNDS:=1}" "${CONNECTS:=50}" "${CNI_FILL:=50}"
fi
export ROUNDS=${ROUNDS:-40} WARMUP=${WARMUP:-5} SEQ_RUNS=${SEQ_RUNS:-1000}
export SCALE_ROUNDS=${SCALE_ROUNDS:-30} SCALE_LEVELS=${SCALE_LEVELS:-0 100 500 1000}
export BULK_ROUNDS=${BULK_ROUNDS:-3} BULK_ADDRESSES=${BULK_ADDRESSES:-50000} CONNECTS=${CONNECTS:-500}
export CNI_FILL=${CNI_FILL:-1000}

# What the benchmark compares against and draws with (idempotent: installs only what is
# missing). The build's own packages come from scripts/packages.txt via build.sh.
packages=(runc crun containernetworking-plugins iptables gnuplot-nox iproute2 util-linux jq busybox-static time)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi

scripts/hot-text.sh
g++ -std=c++23 -O2 -Wall -Wextra -Werror -o build/release/bench/measure bench/measure.cpp
g++ -std=c++23 -O2 -Wall -Wextra -Werror -o build/release/bench/tcp-probe bench/tcp_probe.cpp

# A private mount namespace: the pins, state directories and the cgroup2 mount crun
# needs vanish with it. bench/run.sh then makes the sandbox "host" network namespace.
exec unshare --mount --propagation private bench/run.sh

#!/usr/bin/env bash
# The seccomp + cgroups case (issue 19): mini-runc with podman's default seccomp profile, a
# 64 MiB memory and 32 pids limit and the full network, against crun and runc doing the same
# without a network. bench/run.sh starts this in a mount namespace of its own:
#   unshare --mount --propagation private bench/cgroup-case.sh OUT-PREFIX
# and it writes OUT-PREFIX.tsv and .raw (bench/measure.cpp) and OUT-PREFIX.check (what the
# check below read back from the kernel).
#
# The layout: bench/run.sh stacks a tmpfs and a cgroup2 on /sys/fs/cgroup for the other
# cases (crun --cgroup-manager=disabled and mini-runc's default cgroup live there); on
# this project's hybrid machines memory and pids are v1 controllers, which that cgroup2
# does not have. crun 1.8.1 refuses the hybrid layout itself, because the v2 hierarchy
# holds a controller (hugetlb): "cgroups in hybrid mode not supported, drop all
# controllers from cgroupv2". So this namespace sees the host's v1 hierarchies alone, a
# legacy layout: everything under /sys/fs/cgroup unmounted (here only), a throwaway tmpfs,
# and each v1 hierarchy of /proc/cgroups and name=systemd mounted again on it (the same
# hierarchies as the host's: these are the host's real cgroups). Each runtime makes its
# container's cgroups at /mini-runc-bench-RUNTIME in every hierarchy (runc's and crun's
# cgroupfs drivers, mini-runc's default) and removes them at the end of each run.
#
# Once, untimed, before measuring: each runtime creates and starts the bundle with
# `sleep` as its workload, and the kernel is read back: Seccomp 2 in the workload's
# /proc/PID/status, its memory and pids cgroups (/proc/PID/cgroup) hold 67108864 in
# memory.limit_in_bytes and 32 in pids.max; after delete its cgroups are gone from every
# hierarchy. After each timed run (untimed), and at the end: no /mini-runc-bench-* cgroup
# is left in any hierarchy and the state roots are empty. Anything else stops the bench.
set -euo pipefail
out=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
log() { echo "bench: $*" >&2; }
fail() { echo "bench: cgroups case: $*" >&2; exit 1; }

while mountpoint -q /sys/fs/cgroup; do umount -R /sys/fs/cgroup; done
mount -t tmpfs -o mode=0755 bench-cgroup /sys/fs/cgroup
for controllers in $(awk 'NR > 1 && $2 > 0 && $4 == 1 {c[$2] = (c[$2] ? c[$2] "," : "") $1}
                          END {for (h in c) print c[h]}' /proc/cgroups); do
  mkdir "/sys/fs/cgroup/$controllers"
  mount -t cgroup -o "$controllers" cgroup "/sys/fs/cgroup/$controllers"
done
mkdir /sys/fs/cgroup/systemd
mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
[ "$(stat -f -c %T /sys/fs/cgroup/memory)" = cgroupfs ] && [ "$(stat -f -c %T /sys/fs/cgroup/pids)" = cgroupfs ] ||
  fail "no v1 memory and pids hierarchies (/proc/cgroups)"

# The three bundles: bench/run.sh's busybox bundle with podman's seccomp, the limits
# and a cgroupsPath per runtime. check-*: the same with `sleep` as the workload.
limits='{"memory": {"limit": 67108864}, "pids": {"limit": 32}}'
runtimes=(mr crun runc)
for rt in "${runtimes[@]}"; do
  for kind in bundle check; do
    mkdir -p "$W/cg-$kind-$rt"
    jq --arg root "$W/bundle/rootfs" --arg path "/mini-runc-bench-$rt" --argjson limits "$limits" \
       --slurpfile podman "$repo/bench/podman-seccomp.json" --arg kind "$kind" \
       '.root.path = $root | .linux.cgroupsPath = $path | .linux.seccomp = $podman[0].seccomp |
        .linux.resources = ((.linux.resources // {}) + $limits) |
        if $kind == "check" then .process.args = ["/bin/sleep", "600"] else . end' \
       "$W/bundle/config.json" >"$W/cg-$kind-$rt/config.json"
  done
  mkdir -p "$W/cg-root-$rt"
done
runtime() {  # RT: the command line of that runtime, up to its subcommand
  case $1 in
    mr) echo "$MR --root $W/cg-root-mr" ;;
    crun) echo "$CRUN --root $W/cg-root-crun --cgroup-manager=cgroupfs" ;;
    runc) echo "$RUNC --root $W/cg-root-runc" ;;
  esac
}
network() { [ "$1" = mr ] && echo "--network $W/net.json" || true; }  # RT
cgroups_left() {  # [RT]: the cgroups of RT (all runtimes without) left in any hierarchy
  find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name "mini-runc-bench-${1:-*}" 2>/dev/null || true
}
[ -z "$(cgroups_left)" ] || fail "cgroups left from before: $(cgroups_left | tr '\n' ' ')"

# The check, once per runtime.
: >"$out.check"
for rt in "${runtimes[@]}"; do
  rtc=$(runtime "$rt")
  # shellcheck disable=SC2046
  $rtc create -b "$W/cg-check-$rt" $(network "$rt") "check-$rt" </dev/null >/dev/null
  $rtc start "check-$rt"
  pid=$($rtc state "check-$rt" | jq -r .pid)
  # `start` returns once the workload may exec; the workload's own name says it has.
  deadline=$((SECONDS + 10))
  until [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$rt: the workload (pid $pid) never exec'd sleep"
    sleep 0.01
  done
  seccomp=$(awk '$1 == "Seccomp:" {print $2}' "/proc/$pid/status")
  mem_cg=$(awk -F: '$2 == "memory" {print $3}' "/proc/$pid/cgroup")
  pids_cg=$(awk -F: '$2 == "pids" {print $3}' "/proc/$pid/cgroup")
  mem=$(cat "/sys/fs/cgroup/memory$mem_cg/memory.limit_in_bytes")
  pids=$(cat "/sys/fs/cgroup/pids$pids_cg/pids.max")
  line="$rt: workload pid $pid, Seccomp: $seccomp; memory cgroup $mem_cg, memory.limit_in_bytes $mem; pids cgroup $pids_cg, pids.max $pids"
  $rtc delete --force "check-$rt"
  left=$(cgroups_left "$rt" | tr '\n' ' ')
  echo "$line; after delete: ${left:-no cgroup left}" | tee -a "$out.check" >&2
  [ "$seccomp" = 2 ] && [ "$mem_cg" = "/mini-runc-bench-$rt" ] && [ "$pids_cg" = "/mini-runc-bench-$rt" ] &&
    [ "$mem" = 67108864 ] && [ "$pids" = 32 ] && [ -z "$left" ] || fail "$rt: not as configured"
done

gone="/bin/sh $repo/bench/cgroup-gone.sh"
{
  for rt in "${runtimes[@]}"; do
    case $rt in
      mr) printf 'mini-runc, seccomp + cgroups, network\t%s run -b %s --network %s g1 ;; !%s %s\n' \
            "$(runtime mr)" "$W/cg-bundle-mr" "$W/net.json" "$gone" mr
          printf 'mini-runc, seccomp + cgroups, no network\t%s run -b %s g2 ;; !%s %s\n' \
            "$(runtime mr)" "$W/cg-bundle-mr" "$gone" mr ;;
      *) printf '%s, seccomp + cgroups, no network\t%s run -b %s g-%s ;; !%s %s\n' \
           "$rt" "$(runtime "$rt")" "$W/cg-bundle-$rt" "$rt" "$gone" "$rt" ;;
    esac
  done
} >"$out.cases"
log "seccomp + cgroups: $WARMUP warm-up + $ROUNDS rounds, interleaved (load $(cut -d' ' -f1-3 /proc/loadavg))"
"$repo/build/release/bench/measure" --cases "$out.cases" --rounds "$ROUNDS" --warmup "$WARMUP" \
  --raw "$out.raw" >"$out.tsv"

left=$(cgroups_left | tr '\n' ' ')
roots=$(ls -A "$W/cg-root-mr" "$W/cg-root-crun" "$W/cg-root-runc" | grep -v -e '^$' -e ':$' | tr '\n' ' ' || true)
echo "after all runs: cgroups left: ${left:-none}; state left: ${roots:-none}" | tee -a "$out.check" >&2
[ -z "$left" ] && [ -z "$roots" ] || fail "leftovers"

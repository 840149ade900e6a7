#!/usr/bin/env bash
# Writes OUT/latest.md (tables, targets, machine, load) and OUT/scale.png from what
# bench/run.sh measured in $W. Prints the markdown too.
set -euo pipefail
out=$1
trap 'echo "bench: ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND failed" >&2' ERR

# median of the numbers on stdin
median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
col() { awk -F'\t' -v c="$1" -v k="$2" '$1 == c {print $k}' "$3"; }  # column k of case c
# a / b as shown (two decimals, or $3), and as judged: check takes the two numbers
# themselves, so that a ratio is never met by its rounding (0.3345 shows as 0.33).
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {printf "%.*f", d, (b > 0 ? a / b : 0)}'; }
check() { awk -v a="$1" -v b="$2" -v op="$3" -v t="$4" 'BEGIN {v = (b > 0 ? a / b : 0); ok = (op == "<=" ? v <= t : v >= t); print (ok ? "met" : "**missed**")}'; }
# A target's row: LABEL A B OP T [TEXT after the ratio] [DECIMALS]; A / B is shown and judged.
target_row() { echo "| $1 | $(ratio "$2" "$3" "${7:-2}")x${6:+ $6} | $(check "$2" "$3" "$4" "$5") |"; }

# A table's rows from a measure summary: case, median, p10-p90 (DECIMALS places), peak RSS
# in MiB, and the median as a multiple of REF.  case_rows TSV REF DECIMALS
case_rows() {
  tail -n +2 "$1" | while IFS=$'\t' read -r name n med p10 p90 rss; do
    printf '| %s | %.*f | %.*f-%.*f | %.1f | %s |\n' "$name" "$3" "$med" "$3" "$p10" "$3" "$p90" \
      "$(awk -v r="$rss" 'BEGIN {print r / 1024}')" "$(ratio "$med" "$2")"
  done
}

mr_net=$(col "mini-runc, network" 3 "$W/runtimes.tsv")
mr_bare=$(col "mini-runc, no network" 3 "$W/runtimes.tsv")
crun=$(col "crun, no network" 3 "$W/runtimes.tsv")
runc=$(col "runc, no network" 3 "$W/runtimes.tsv")
runc_cni=$(col "runc + CNI bridge" 3 "$W/runtimes.tsv")
hook=$(col "netns-hook configure+undo" 3 "$W/network.tsv")
cni=$(col "CNI bridge ADD+DEL" 3 "$W/network.tsv")
hook_life=$(col "netns-hook prestart+poststop" 3 "$W/network.tsv")
floor_proc=$(col "floor up+down" 3 "$W/network.tsv")
mr_mgd=$(col "mini-runc, managed network + port" 3 "$W/runtimes.tsv")
runc_cni_ports=$(col "runc + CNI bridge, portmap, firewall" 3 "$W/runtimes.tsv")
hook_mgd=$(col "netns-hook configure+undo, managed network + port" 3 "$W/network.tsv")
hook_mgd_up=$(col "netns-hook configure+undo, managed network + port, bridge up" 3 "$W/network.tsv")
hook_setup=$(col "netns-hook configure, veth (undo untimed)" 3 "$W/network.tsv")
hook_mgd_setup=$(col "netns-hook configure, managed network + port (undo untimed)" 3 "$W/network.tsv")
mr_mgd_up=$(col "mini-runc, managed network + port, bridge up" 3 "$W/runtimes.tsv")
start_mr=$(col "start: mini-runc, veth" 3 "$W/starts.tsv")
start_mgd=$(col "start: mini-runc, managed network + port" 3 "$W/starts.tsv")
start_crun=$(col "start: crun, no network" 3 "$W/starts.tsv")
cni_mr_up=$(col "mini-runc-cni ADD+DEL, managed network + port, bridge up" 3 "$W/network.tsv")
cni_mr_alone=$(col "mini-runc-cni ADD+DEL, managed network + port" 3 "$W/network.tsv")
cni_bp=$(col "CNI chain ADD+DEL: bridge + host-local, portmap" 3 "$W/network.tsv")
cni_add_0=$(col "mini-runc-cni ADD, 0 more alive" 3 "$W/cni-scale.tsv")
cni_add_fill=$(col "mini-runc-cni ADD, $CNI_FILL more alive" 3 "$W/cni-scale.tsv")
ports_none=$(col "one more port, none published" 3 "$W/ports.tsv")
ports_1000=$(col "one more port, 1,000 published" 3 "$W/ports.tsv")
conn_one=$(col "connections, one published" 3 "$W/latency.tsv")
conn_1000=$(col "connections, 1 + 1,000 published" 3 "$W/latency.tsv")
rss_mr=$(col "mini-runc, network" 6 "$W/runtimes.tsv")
rss_runc=$(col "runc, no network" 6 "$W/runtimes.tsv")
cg_mr=$(col "mini-runc, seccomp + cgroups, network" 3 "$W/cgroups.tsv")
cg_crun=$(col "crun, seccomp + cgroups, no network" 3 "$W/cgroups.tsv")
cg_rss_mr=$(col "mini-runc, seccomp + cgroups, network" 6 "$W/cgroups.tsv")
cg_rss_runc=$(col "runc, seccomp + cgroups, no network" 6 "$W/cgroups.tsv")
# floor.ms: up and down times in turn, warm-up runs first.
floor_inproc=$(awk -v w="$WARMUP" 'NR % 2 {u = $1; next} {if (NR / 2 > w) print u + $1}' "$W/floor.ms" | median)
mr_setup=$(awk -v a="$mr_net" -v b="$mr_bare" 'BEGIN {printf "%.3f", a - b}')

# churn.raw is in run order: mini-runc's runs, and crun's between them. first_k reads all
# its input (`head` would leave col to die of SIGPIPE, which pipefail makes fatal).
first_k() { awk -v k="$k" 'NR <= k'; }
runs=$(col "mini-runc, network" 3 "$W/churn.raw" | wc -l)
k=$((runs >= 1000 ? 100 : runs / 10))
first=$(col "mini-runc, network" 3 "$W/churn.raw" | first_k | median)
last=$(col "mini-runc, network" 3 "$W/churn.raw" | tail -n "$k" | median)
ref_first=$(col "crun, no network" 3 "$W/churn.raw" | first_k | median)
ref_last=$(col "crun, no network" 3 "$W/churn.raw" | tail -n "$k" | median)

levels=$(cut -f1 "$W/scale.tsv" | sort -gu)
lo_level=$(echo "$levels" | head -1)
hi_level=$(echo "$levels" | tail -1)
scale_med() { awk -F'\t' -v n="$1" -v c="$2" '$1 == n && $2 == c {print $4}' "$W/scale.tsv"; }
scale_lo=$(scale_med "$lo_level" "mini-runc, network")
scale_hi=$(scale_med "$hi_level" "mini-runc, network")
floor_lo=$(scale_med "$lo_level" "floor up+down")
floor_hi=$(scale_med "$hi_level" "floor up+down")
bulk_hook=$(col "netns-hook configure" 3 "$W/bulk.tsv")
bulk_ip=$(col "ip -batch" 3 "$W/bulk.tsv")

# What is there after and was not before. Something gone meanwhile is not left behind: a
# mount of another user's, whose directory is removed on the host, leaves this namespace
# too (mountpoints deleted in one namespace are unmounted in all).
left() {
  local added
  added=$({ diff <(echo "$before") <(echo "$1") || true; } | { grep "^>" || true; } | tr "\n" " ")
  echo "${added:-none}"
}
left_cases=$(left "$after_cases")
left_ports=$(left "$after_ports")
left_cni=$(left "$after_cni")
left_churn=$(left "$after_churn")
left_scale=$(left "$after_scale")

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
# How much of the traced hot path the link placed: the input sections in .text.hot_path
# (from the map), against the functions the generated script lists.
repo=$(cd "$(dirname "$0")/.." && pwd)
hot_path() {
  local listed found
  listed=$(grep -c '^    \*(' "$repo/build/release/hot-text/$2" || true)
  found=$(awk '/^\.text\.hot_path/ {f = 1; next} f && /^\./ {exit} f && /^ \.text/ {print $1}' \
            "$repo/build/release/$1.map" 2>/dev/null | sort -u | wc -l)
  echo "$found of the $listed functions traced for $2"
}
{
  echo "# mini-runc benchmark"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs ($cpu); kernel $(uname -r);"
  echo "load average (1/5/15 min) at start $load_start, at end $load_end."
  echo "mini-runc $(git -C "$(dirname "$0")/.." rev-parse --short HEAD) (RelWithDebInfo), $(runc --version | head -1),"
  echo "$(crun --version | head -1), CNI plugins $(dpkg-query -W -f='${Version}' containernetworking-plugins)."
  echo "Hot path placed: $(hot_path runtime/mini-runc mini-runc.ld); $(hot_path hooks/netns-hook netns-hook.ld);"
  echo "$(hot_path cni/mini-runc-cni mini-runc-cni.ld)"
  echo "(scripts/hot-text.sh, run by scripts/bench.sh before measuring)."
  echo "Workload /bin/true in the busybox bundle (scripts/make-bundle.sh); $ROUNDS rounds after $WARMUP warm-up,"
  echo "cases interleaved; times are wall-clock medians per run (p10-p90 beside)."
  echo
  echo "## Runtimes: one container, start to finish"
  echo
  echo "| case | median ms | p10-p90 ms | peak RSS MiB | x mini-runc (network) | x mini-runc (no network) |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  tail -n +2 "$W/runtimes.tsv" | while IFS=$'\t' read -r name n med p10 p90 rss; do
    printf '| %s | %.2f | %.2f-%.2f | %.1f | %s | %s |\n' "$name" "$med" "$p10" "$p90" \
      "$(awk -v r="$rss" 'BEGIN {print r / 1024}')" "$(ratio "$med" "$mr_net")" "$(ratio "$med" "$mr_bare")"
  done
  echo
  echo "## Runtimes with podman's seccomp profile and cgroup limits"
  echo
  echo "The same bundle and workload with podman's default seccomp profile (the linux.seccomp that"
  echo "$(jq -r .note "$repo/bench/podman-seccomp.json" | sed 's/.*written by \(podman version [^ ]*\).*/\1/') writes into a config.json: bench/podman-seccomp.json), a 64 MiB memory and a 32 pids"
  echo "limit; each runtime's cgroupfs driver (crun --cgroup-manager=cgroupfs) on the host's own v1"
  echo "hierarchies, seen alone (a legacy layout: crun refuses this host's hybrid one), cgroups"
  echo "/mini-runc-bench-RUNTIME made and removed by each run (bench/cgroup-case.sh). Read back from"
  echo "the kernel once before measuring (mr: mini-runc), and after all runs:"
  echo
  sed 's/^/    /' "$W/cgroups.check"
  echo
  echo "| case | median ms | p10-p90 ms | peak RSS MiB | x crun |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  case_rows "$W/cgroups.tsv" "$cg_crun" 2
  echo
  echo "## Starting a container: create + start"
  echo
  echo 'Timed until `start` returns, the workload exec'"'"'d; `delete` after it untimed (in the table above,'
  echo 'a `run` includes it). The managed network: network mgd, alone on it, so its bridge, gateway and'
  echo "rules are made by this create."
  echo
  echo "| case | median ms | p10-p90 ms | peak RSS MiB | x crun |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  case_rows "$W/starts.tsv" "$start_crun" 2
  echo
  echo "## The network alone: configure and undo one container's network"
  echo
  echo 'Veth on br0, IPv4 + IPv6 address, default route. `configure+undo`, CNI, `ip` and floor: the same'
  echo "netns (a sleeping process's) each time, alive at undo, so the veth is deleted there and then."
  echo '`prestart+poststop`: a fresh container per run that ends before the hook'"'"'s undo, as under a'
  echo 'runtime (its start and end untimed); the veth then goes with its namespace. CNI'"'"'s DEL runs, by'
  echo 'the CNI spec, while the runtime still holds the namespace: its row above is its lifecycle.'
  echo
  echo "| case | median ms | p10-p90 ms | peak RSS MiB | x netns-hook |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  case_rows "$W/network.tsv" "$hook" 2
  echo
  echo "floor (bench/floor.cpp) inside its own processes, main() to exit, up + down: median $floor_inproc ms."
  echo "mini-runc's network setup and teardown inside \`run\` (median with network - median without): $mr_setup ms."
  echo
  echo "Managed network + port: a device on network mgd (no DNS; + DNS: mgd-dns, aardvark-dns started"
  echo "with the container and stopped after it), an automatic address, one published TCP port; the"
  echo "container alone on its network, so its bridge, gateway and the network's rules come and go with"
  echo "it; \`bridge up\`: on network shared, where another container stays, so only its own veth,"
  echo "address and port come and go. CNI: Debian's bridge (isGateway, ipMasq) + host-local, portmap"
  echo "(one port), firewall, run as a conflist (bench/cni-chain.sh: ADD in order with prevResult, DEL"
  echo "in reverse); its bridge stays, by the bridge plugin's design, so the like-for-like mini-runc"
  echo "row is \`bridge up\`. A bridge's deletion waits out two RCU barriers in the kernel"
  echo "(br_multicast_dev_del and netdev_run_todo), tens of ms that no user-space work can shorten."
  echo
  echo "The CNI plugin, mini-runc-cni: ADD then DEL as a runtime runs them, in the same netns as the"
  echo "rows above, on network mgd (alone) or shared (\`bridge up\`), one port from runtimeConfig. Its"
  echo "peer: Debian's bridge + host-local then portmap, the same chain without firewall."
  echo
  echo "## The CNI plugin: one more ADD with $CNI_FILL attachments alive"
  echo
  echo "Network cnifill (a /21): ADD of one more attachment with one port (its DEL untimed), beside one"
  echo "resident attachment, then beside $CNI_FILL more (named netns, each ADDed by the plugin, untimed);"
  echo "the two levels one after the other."
  echo
  echo "| case | median ms | p10-p90 ms | peak RSS MiB | x the first |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  case_rows "$W/cni-scale.tsv" "$cni_add_0" 2
  echo
  echo "## Published ports: 1,000 published against none"
  echo
  echo "A filler container on another managed network publishing a range of 1,000 ports, or none, made"
  echo "before each run and removed after it (untimed); the cases interleaved. Setup: netns-hook"
  echo "configure+undo of one more container with one port on network shared, beside a resident"
  echo "container, so that the bridge stays. Connections: $CONNECTS TCP connections one"
  echo "after another from a client namespace behind the host's uplink to the host's address and a"
  echo "published port, DNAT to a server container that answers one byte (bench/tcp_probe.cpp), timed"
  echo "as one run."
  echo
  echo "| case | median ms | p10-p90 ms | peak RSS MiB | x the first |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  case_rows "$W/ports.tsv" "$ports_none" 2
  case_rows "$W/latency.tsv" "$conn_one" 2
  echo
  echo "## Bulk: $BULK_ADDRESSES IPv4 addresses on one device"
  echo
  echo "A veth on br0 whose container end gets $BULK_ADDRESSES /32 addresses and comes up: \`netns-hook\`'s"
  echo "configure (its undo untimed) against one \`ip -batch\` after \`ip link add\`; $BULK_ROUNDS rounds."
  echo
  echo "| case | median ms | p10-p90 ms | peak RSS MiB | x ip -batch |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  case_rows "$W/bulk.tsv" "$bulk_ip" 0
  echo
  echo "## Scale: one more container with N alive on the same bridge"
  echo
  echo "The N containers each have their own netns and veth on br0 with both addresses (made by \`floor fill\`)."
  echo
  echo "| alive | case | median ms | p10-p90 ms |"
  echo "| ---: | --- | ---: | ---: |"
  while IFS=$'\t' read -r alive name n med p10 p90 rss; do
    printf '| %s | %s | %.2f | %.2f-%.2f |\n' "$alive" "$name" "$med" "$p10" "$p90"
  done <"$W/scale.tsv"
  echo
  echo "![scale](scale.png)"
  echo
  echo "## Churn: $runs sequential \`mini-runc run\` with the network"
  echo
  echo "First $k: median $first ms; last $k: median $last ms."
  echo "crun without a network, run between them as the machine's reference: first $k $ref_first ms,"
  echo "last $k $ref_last ms ($(ratio "$ref_last" "$ref_first")x). A slowdown both show is the machine's."
  echo "Leftovers (host links, mounts, state dirs, named netns, nftables tables but iptables-nft's, held"
  echo "addresses) after the comparison: $left_cases; after the ports cases: $left_ports; after the CNI"
  echo "plugin's scale case: $left_cni; after the churn:"
  echo "$left_churn; after the scale runs and their teardown: $left_scale."
  echo
  echo "## Targets"
  echo
  echo "| target | measured | |"
  echo "| --- | --- | --- |"
  target_row "mini-runc with network <= 1.0x crun without" "$mr_net" "$crun" "<=" 1.0
  target_row "mini-runc with seccomp, cgroups and network <= 1.0x crun with seccomp and cgroups, without network" \
    "$cg_mr" "$cg_crun" "<=" 1.0
  target_row "runc + CNI bridge >= 10x mini-runc with network" "$runc_cni" "$mr_net" ">=" 10
  target_row "starting a container with managed network + port <= 1.0x crun without network" "$start_mgd" "$start_crun" "<=" 1.0 \
    "(run to the end, bridge made and deleted: $(ratio "$mr_mgd" "$crun")x)"
  target_row "runc + CNI bridge, portmap, firewall >= 10x mini-runc with managed network + port, bridges staying" \
    "$runc_cni_ports" "$mr_mgd_up" ">=" 10 "(alone on its network, bridge made and deleted: $(ratio "$runc_cni_ports" "$mr_mgd")x)"
  target_row "netns-hook setup (configure): managed network + port <= 1.3x plain veth" "$hook_mgd_setup" "$hook_setup" "<=" 1.3 \
    "(configure+undo: $(ratio "$hook_mgd" "$hook")x; bridge up: $(ratio "$hook_mgd_up" "$hook")x)"
  target_row "CNI chain bridge + host-local, portmap ADD+DEL >= 10x mini-runc-cni ADD+DEL, bridges staying" \
    "$cni_bp" "$cni_mr_up" ">=" 10 "(alone on its network, bridge made and deleted: $(ratio "$cni_bp" "$cni_mr_alone")x)"
  target_row "mini-runc-cni ADD with $CNI_FILL attachments alive <= 1.25x with none" "$cni_add_fill" "$cni_add_0" "<=" 1.25
  target_row "one more port with 1,000 published <= 1.1x with none" "$ports_1000" "$ports_none" "<=" 1.1
  target_row "connection to a published port with 1,000 more published <= 1.1x with one" \
    "$conn_1000" "$conn_one" "<=" 1.1
  target_row "CNI bridge ADD+DEL >= 10x netns-hook prestart+poststop (container gone at poststop)" \
    "$cni" "$hook_life" ">=" 10 "(container alive at undo: $(ratio "$cni" "$hook")x)"
  target_row "mini-runc's network setup (run delta) <= 1.5x the floor's in-process time" "$mr_setup" "$floor_inproc" "<=" 1.5
  target_row "netns-hook configure+undo <= 1.5x floor up+down, both as processes" "$hook" "$floor_proc" "<=" 1.5
  target_row "netns-hook with $BULK_ADDRESSES addresses <= 1.5x ip -batch" "$bulk_hook" "$bulk_ip" "<=" 1.5
  target_row "one more with $hi_level alive <= 1.25x with $lo_level" "$scale_hi" "$scale_lo" "<=" 1.25 \
    "(floor: $(ratio "$floor_hi" "$floor_lo")x)"
  target_row "last $k of $runs runs <= 1.1x the first $k" "$last" "$first" "<=" 1.1 \
    "(crun between them: $(ratio "$ref_last" "$ref_first")x)"
  lo=$([ "$left_churn" = none ] && [ "$left_cases" = none ] && [ "$left_ports" = none ] && [ "$left_cni" = none ] &&
       [ "$left_scale" = none ] &&
       echo met || echo "**missed**")
  echo "| no leftovers | see above | $lo |"
  rss_mr_med=$(col "mini-runc, network" 4 "$W/runtimes.raw" | median)
  rss_runc_med=$(col "runc, no network" 4 "$W/runtimes.raw" | median)
  target_row "peak RSS of mini-runc <= 1/3 of runc's" "$rss_mr" "$rss_runc" "<=" 0.333333 \
    "($rss_mr vs $rss_runc KiB, the largest of all runs; median run $(ratio "$rss_mr_med" "$rss_runc_med" 3)x)" 3
  cg_rss_mr_med=$(col "mini-runc, seccomp + cgroups, network" 4 "$W/cgroups.raw" | median)
  cg_rss_runc_med=$(col "runc, seccomp + cgroups, no network" 4 "$W/cgroups.raw" | median)
  target_row "peak RSS of mini-runc with seccomp and cgroups <= 1/3 of runc's" "$cg_rss_mr" "$cg_rss_runc" "<=" 0.333333 \
    "($cg_rss_mr vs $cg_rss_runc KiB, the largest of all runs; median run $(ratio "$cg_rss_mr_med" "$cg_rss_runc_med" 3)x)" 3
} >"$out/latest.md"

awk -F'\t' '$2 == "mini-runc, network" {print $1, $4, $5, $6}' "$W/scale.tsv" >"$W/scale-mr.dat"
awk -F'\t' '$2 == "netns-hook configure+undo" {print $1, $4, $5, $6}' "$W/scale.tsv" >"$W/scale-hook.dat"
awk -F'\t' '$2 == "floor up+down" {print $1, $4, $5, $6}' "$W/scale.tsv" >"$W/scale-floor.dat"
gnuplot <<EOF
set terminal png size 800,500
set output "$out/scale.png"
set title "one more container with N alive on the same bridge (median, p10-p90)"
set xlabel "containers alive"
set ylabel "ms"
set yrange [0:*]
set key top left
plot "$W/scale-mr.dat" using 1:2:3:4 with yerrorlines title "mini-runc run, network", \
     "$W/scale-hook.dat" using 1:2:3:4 with yerrorlines title "netns-hook configure+undo", \
     "$W/scale-floor.dat" using 1:2:3:4 with yerrorlines title "floor up+down (kernel cost)"
EOF
cat "$out/latest.md"

#!/usr/bin/env bash
# The benchmark proper; scripts/bench.sh builds everything and starts this in a private
# mount namespace. Phase 1 (no argument): tmpfs on /run (state dirs, pins, /run/netns,
# as on a systemd host), cgroup2 on /sys/fs/cgroup (crun needs its own mount here), and
# the sandbox "host" network namespace, entered with nsenter --net (not `ip netns exec`,
# which remounts /sys and breaks runc's cgroup lookup). Phase 2 (--inside): the cases.
# With --hot-text DIR (scripts/hot-text.sh): no cases; the same host and bundle,
# and the runs whose functions the release binaries put side by side, traced by
# bench/hot_text.cpp into DIR/mini-runc.hits and DIR/netns-hook.hits.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
trap 'echo "bench: ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND failed" >&2' ERR

if [ "${1:-}" != --inside ]; then
  mount -t tmpfs -o mode=0755 bench-run /run
  mount -t tmpfs none /sys/fs/cgroup
  mount -t cgroup2 none /sys/fs/cgroup
  mkdir -p /run/bench
  touch /run/bench/hostns
  unshare --net=/run/bench/hostns true
  exec nsenter --net=/run/bench/hostns "$0" --inside "$@"
fi
hot_text_dir=
[ "${2:-}" = --hot-text ] && hot_text_dir=$3

export W=/run/bench
export MR=$repo/build/release/runtime/mini-runc
export HOOK=$repo/build/release/hooks/netns-hook
export FLOOR=$repo/build/release/bench/floor
export RUNC=$(command -v runc) CRUN=$(command -v crun)
MEASURE=$repo/build/release/bench/measure
out=$repo/bench/results
mkdir -p "$out" "$W/mr" "$W/runc" "$W/crun" "$W/hook" "$W/floor" "$W/fill" "$W/cni-ipam"
log() { echo "bench: $*" >&2; }
load_now() { cut -d' ' -f1-3 /proc/loadavg; }
load_start=$(load_now)

# The host side: a bridge with the gateway addresses.
ip link set lo up
ip link add br0 type bridge
ip addr add 10.88.0.1/16 dev br0
ip addr add fd00:88::1/64 dev br0 nodad
ip link set br0 up

# One busybox bundle for every runtime; /bin/true, no terminal, no rlimits (crun here).
"$repo/scripts/make-bundle.sh" "$W/bundle" "$MR" >/dev/null
jq '.process.args = ["/bin/true"] | .process.terminal = false | del(.process.rlimits)' \
  "$W/bundle/config.json" >"$W/config.tmp" && mv "$W/config.tmp" "$W/bundle/config.json"
# runc + CNI / ip: the same bundle, joining the named netns made for it.
mkdir -p "$W/bundle-netns"
jq --arg root "$W/bundle/rootfs" '.root.path = $root |
    .linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = "/run/netns/bench" else . end]' \
  "$W/bundle/config.json" >"$W/bundle-netns/config.json"

# The network every networked case gets: a veth on br0, one IPv4 and one IPv6 address,
# a default route.
cat >"$W/net.json" <<'EOF'
{"version": 1,
 "devices": [{"name": "eth0", "veth": {"bridge": "br0"},
              "addresses": ["10.88.250.250/16", "fd00:88::fafa/64"]}],
 "routes": [{"to": "default", "via": "10.88.0.1"}]}
EOF
cp "$W/net.json" "$W/bundle/network-bench.json"
cat >"$W/cni.conf" <<EOF
{"cniVersion": "1.0.0", "name": "bench", "type": "bridge", "bridge": "br0",
 "ipam": {"type": "host-local", "dataDir": "$W/cni-ipam",
          "ranges": [[{"subnet": "10.88.0.0/16", "rangeStart": "10.88.251.1", "gateway": "10.88.0.1"}],
                     [{"subnet": "fd00:88::/64", "rangeStart": "fd00:88::fb01", "gateway": "fd00:88::1"}]],
          "routes": [{"dst": "0.0.0.0/0", "gw": "10.88.0.1"}]}}
EOF
export CNI_PATH=/usr/lib/cni CNI_IFNAME=eth0

# A process in a fresh netns: the container that the network-only cases configure.
mkfifo "$W/ready"
unshare --net sh -c "echo ready >$W/ready; exec sleep infinity" &
ctr_pid=$!
read -r _ <"$W/ready"
export CTR_PID=$ctr_pid
printf '{"ociVersion": "1.0.2", "id": "hk", "status": "creating", "pid": %s, "bundle": "%s/bundle"}\n' \
  "$ctr_pid" "$W" >"$W/hook-state.json"
trap 'kill $ctr_pid 2>/dev/null || true' EXIT

if [ -n "$hot_text_dir" ]; then
  # What a user waits for: `run` with and without the network; the hook's configure and
  # undo, for a container that ends first (as under a runtime) and for one still alive.
  trace() { local binary=$1; shift
    "$repo/build/release/bench/hot-text" "$binary.map" "$hot_text_dir/$(basename "$binary").hits" -- "$binary" "$@"; }
  for i in 1 2; do
    trace "$MR" --root "$W/mr" run -b "$W/bundle" --network "$W/net.json" "ht$i"
    trace "$MR" --root "$W/mr" run -b "$W/bundle" "ht-nonet$i"
  done
  export BUNDLE=$W/bundle
  /bin/sh "$repo/bench/container-stub.sh" start "$W/ht-stub"
  trace "$HOOK" --root "$W/hook" --network network-bench.json --stage configure <"$W/ht-stub.json"
  /bin/sh "$repo/bench/container-stub.sh" stop "$W/ht-stub"
  trace "$HOOK" --root "$W/hook" --stage undo <"$W/ht-stub.json"
  trace "$HOOK" --root "$W/hook" --network network-bench.json --stage configure <"$W/hook-state.json"
  trace "$HOOK" --root "$W/hook" --stage undo <"$W/hook-state.json"
  exit 0
fi

cni="CNI_CONTAINERID=bench CNI_NETNS=/proc/$ctr_pid/ns/net"
cat >"$W/runtimes.cases" <<EOF
mini-runc, network	$MR --root $W/mr run -b $W/bundle --network $W/net.json b1
mini-runc, no network	$MR --root $W/mr run -b $W/bundle b2
crun, no network	$CRUN --root $W/crun --cgroup-manager=disabled run -b $W/bundle b3
runc, no network	$RUNC --root $W/runc run -b $W/bundle b4
runc + CNI bridge	/bin/sh $repo/bench/runc-cni.sh
runc + ip script	/bin/sh $repo/bench/runc-ip.sh
EOF
# The lifecycle case: a fresh container per run (bench/container-stub.sh, untimed), the
# hook as prestart, the container ends (untimed), the hook as poststop: how runtimes run
# it. Its veth then goes with the namespace; CNI's DEL, by its spec, runs while the
# runtime still holds the namespace, so the CNI case above is already its lifecycle.
export BUNDLE=$W/bundle
stub="/bin/sh $repo/bench/container-stub.sh"
cat >"$W/network.cases" <<EOF
netns-hook configure+undo	$HOOK --root $W/hook --network network-bench.json --stage configure <$W/hook-state.json ;; $HOOK --root $W/hook --stage undo <$W/hook-state.json
netns-hook prestart+poststop	!$stub start $W/stub-{i} ;; $HOOK --root $W/hook --network network-bench.json --stage configure <$W/stub-{i}.json ;; !$stub stop $W/stub-{i} ;; $HOOK --root $W/hook --stage undo <$W/stub-{i}.json
CNI bridge ADD+DEL	CNI_COMMAND=ADD $cni /usr/lib/cni/bridge <$W/cni.conf ;; CNI_COMMAND=DEL $cni /usr/lib/cni/bridge <$W/cni.conf
ip script up+down	/bin/sh $repo/bench/ip-net.sh up $ctr_pid /proc/$ctr_pid/ns/net ;; /bin/sh $repo/bench/ip-net.sh down
floor up+down	$FLOOR up --pid $ctr_pid --dir $W/floor --time-file $W/floor.ms ;; $FLOOR down --dir $W/floor --time-file $W/floor.ms
EOF

# Leftovers: host links, mounts, state directories, named netns. A state root that
# mini-runc and netns-hook bind-mount onto itself (shared, so that their pins are seen
# from every mount namespace, as iproute2 does /run/netns) is not a leftover.
leftovers() {
  { ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
    awk -v mr="$W/mr" -v hook="$W/hook" '$5 != mr && $5 != hook {print "mount " $5}' /proc/self/mountinfo | sort
    ls -A "$W/mr" "$W/runc" "$W/crun" "$W/hook" "$W/floor"
    ls -A /run/netns 2>/dev/null || true
  } 2>&1
}
# iproute2 bind-mounts /run/netns onto itself on first use and leaves it: not a leftover.
ip netns add warm && ip netns del warm
before=$(leftovers)
# Leftovers once the host has settled: a container's veth goes with its namespace, which
# the kernel frees in a work queue after the runtime has returned. Looks again on each
# link event (a second at most between looks), for 10 s at most.
settled_leftovers() {
  local deadline=$((SECONDS + 10)) now
  while now=$(leftovers) && [ "$now" != "$before" ] && [ "$SECONDS" -lt "$deadline" ]; do
    timeout 1 ip monitor link 2>/dev/null | head -1 >/dev/null || true
  done
  printf '%s\n' "$now"
}

log "runtimes: $WARMUP warm-up + $ROUNDS rounds, interleaved (load $(load_now))"
"$MEASURE" --cases "$W/runtimes.cases" --rounds "$ROUNDS" --warmup "$WARMUP" --raw "$W/runtimes.raw" >"$W/runtimes.tsv"
log "network alone (load $(load_now))"
: >"$W/floor.ms"
"$MEASURE" --cases "$W/network.cases" --rounds "$ROUNDS" --warmup "$WARMUP" --raw "$W/network.raw" >"$W/network.tsv"
after_cases=$(settled_leftovers)

# Bulk: one device with $BULK_ADDRESSES IPv4 addresses, configured by the hook (the
# setup timed, the undo not) and by one `ip -batch`: applying N addresses costs O(N).
awk -v n="$BULK_ADDRESSES" 'BEGIN {
  printf "{\"version\": 1, \"devices\": [{\"name\": \"eth0\", \"veth\": {\"bridge\": \"br0\"}, \"addresses\": ["
  for (i = 0; i < n; i++) printf "%s\"10.%d.%d.%d/32\"", (i ? ", " : ""), 96 + int(i / 65536), int(i / 256) % 256, i % 256
  print "]}]}"
}' >"$W/bundle/network-bulk.json"
awk -v n="$BULK_ADDRESSES" 'BEGIN {
  for (i = 0; i < n; i++) printf "address add 10.%d.%d.%d/32 dev eth0\n", 96 + int(i / 65536), int(i / 256) % 256, i % 256
  print "link set eth0 up"
}' >"$W/bulk.batch"
cat >"$W/bulk.cases" <<EOF
netns-hook configure	$HOOK --root $W/hook --network network-bulk.json --stage configure <$W/hook-state.json ;; !$HOOK --root $W/hook --stage undo <$W/hook-state.json
ip -batch	/bin/sh $repo/bench/ip-bulk.sh up $ctr_pid $W/bulk.batch ;; !/bin/sh $repo/bench/ip-bulk.sh down
EOF
log "bulk: $BULK_ADDRESSES addresses on one device, $BULK_ROUNDS rounds (load $(load_now))"
"$MEASURE" --cases "$W/bulk.cases" --rounds "$BULK_ROUNDS" --warmup 0 --raw "$W/bulk.raw" >"$W/bulk.tsv"

# crun without a network, interleaved run for run, is the churn's reference: a slowdown
# that crun shows too is the machine's drift, not something mini-runc left behind.
log "churn: $SEQ_RUNS sequential runs of mini-runc with the network, crun between them (load $(load_now))"
{ head -1 "$W/runtimes.cases"; grep '^crun, no network' "$W/runtimes.cases"; } >"$W/churn.cases"
"$MEASURE" --cases "$W/churn.cases" --rounds "$SEQ_RUNS" --warmup 0 --raw "$W/churn.raw" >/dev/null
after_churn=$(settled_leftovers)

head -1 "$W/runtimes.cases" >"$W/scale.cases"
head -1 "$W/network.cases" >>"$W/scale.cases"
grep '^floor' "$W/network.cases" >>"$W/scale.cases"
alive=0
: >"$W/scale.tsv"
for level in $SCALE_LEVELS; do
  "$FLOOR" fill --dir "$W/fill" --from "$alive" --to "$level"
  alive=$level
  log "scale: one more container with $alive alive (load $(load_now))"
  "$MEASURE" --cases "$W/scale.cases" --rounds "$SCALE_ROUNDS" --warmup 2 |
    awk -v n="$alive" 'NR > 1 {print n "\t" $0}' >>"$W/scale.tsv"
done
"$FLOOR" drain --dir "$W/fill" --from 0 --to "$alive"
after_scale=$(settled_leftovers)
load_end=$(load_now)

mkdir -p "$out/raw"
cp "$W"/*.tsv "$W"/*.raw "$W/floor.ms" "$out/raw/"
export load_start load_end before after_cases after_churn after_scale
"$repo/bench/report.sh" "$out"

#!/usr/bin/env bash
# The benchmark proper; scripts/bench.sh builds everything and starts this in a private
# mount namespace. Phase 1 (no argument): tmpfs on /run (state dirs, pins, /run/netns,
# as on a systemd host), cgroup2 alone on /sys/fs/cgroup (crun 1.8.1 refuses this host's
# hybrid layout, whose v2 hierarchy holds hugetlb; the seccomp + cgroups case shows the
# host's v1 hierarchies again, in a namespace of its own), and
# the sandbox "host" network namespace, entered with nsenter --net (not `ip netns exec`,
# which remounts /sys and breaks runc's cgroup lookup). Phase 2 (--inside): the cases.
# With --hot-text DIR (scripts/hot-text.sh): no cases; the same host and bundle,
# and the runs whose functions the release binaries put side by side, traced by
# bench/hot_text.cpp into DIR/mini-runc.hits, DIR/netns-hook.hits and DIR/mini-runc-cni.hits.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
trap 'echo "bench: ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND failed" >&2' ERR

if [ "${1:-}" != --inside ]; then
  mount -t tmpfs -o mode=0755 bench-run /run
  # The host's cgroup mounts go first (here only): mini-runc reads its hierarchies from
  # mountinfo, where mounts hidden under another one still show.
  while mountpoint -q /sys/fs/cgroup; do umount -R /sys/fs/cgroup; done
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
PROBE=$repo/build/release/bench/tcp-probe
out=$repo/bench/results
mkdir -p "$out" "$W/mr" "$W/runc" "$W/crun" "$W/hook" "$W/floor" "$W/fill" "$W/cni-ipam" "$W/cni-mr"
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

# The same with podman's default seccomp profile (bench/podman-seccomp.json), for the hot
# path's trace below; the seccomp + cgroups case makes its own (bench/cgroup-case.sh).
mkdir -p "$W/bundle-seccomp"
jq --arg root "$W/bundle/rootfs" --slurpfile podman "$repo/bench/podman-seccomp.json" \
  '.root.path = $root | .linux.seccomp = $podman[0].seccomp' "$W/bundle/config.json" >"$W/bundle-seccomp/config.json"

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

# Managed networks (issue 17, docs/networks.md): definitions only, nothing is made on the
# host until a container joins. mgd: the one-port cases; mgd-dns: the same with name
# resolution (aardvark-dns started with the first member, stopped with the last); fill:
# the filler container of the ports cases; shared: a network with a resident container
# through the network cases, so that its bridge is up already. Specs beside the bundle, as the hook reads them.
export NETS=$W/networks
"$MR" --network-dir "$NETS" network create mgd --subnet 10.89.10.0/24 --no-dns >/dev/null
"$MR" --network-dir "$NETS" network create mgd-dns --subnet 10.89.11.0/24 >/dev/null
"$MR" --network-dir "$NETS" network create fill --subnet 10.89.12.0/24 --no-dns >/dev/null
"$MR" --network-dir "$NETS" network create shared --subnet 10.89.13.0/24 --no-dns >/dev/null
managed_spec() {  # NETWORK PORTS-JSON
  printf '{"version": 1, "devices": [{"name": "eth0", "network": "%s"}], "ports": %s}\n' "$1" "$2"
}
managed_spec mgd '[{"hostPort": 8080, "containerPort": 80}]' >"$W/bundle/network-managed.json"
managed_spec mgd-dns '[{"hostPort": 8082, "containerPort": 80}]' >"$W/bundle/network-managed-dns.json"
managed_spec mgd '[{"hostPort": 18080, "containerPort": 80}]' >"$W/bundle/network-server.json"
managed_spec shared '[{"hostPort": 8083, "containerPort": 80}]' >"$W/bundle/network-shared.json"
managed_spec shared '[{"hostPort": 8084, "containerPort": 80}]' >"$W/bundle/network-shared-run.json"
managed_spec shared '[]' >"$W/bundle/network-shared-none.json"
managed_spec fill '[]' >"$W/bundle/network-fill-none.json"
managed_spec fill '[{"hostPort": 20000, "containerPort": 20000, "range": 1000}]' >"$W/bundle/network-fill-1000.json"
# The CNI way of the same: Debian's reference plugins as a conflist would chain them, one
# port published. bench/cni-chain.sh runs them; the chain file is each plugin's config
# with the list's name and version, its closing brace left off for prevResult.
cat >"$W/cni-ports.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "bench-ports", "plugins": [
 {"type": "bridge", "bridge": "cni-ports0", "isGateway": true, "ipMasq": true,
  "ipam": {"type": "host-local", "dataDir": "$W/cni-ports-ipam",
           "ranges": [[{"subnet": "10.91.0.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
 {"type": "portmap", "capabilities": {"portMappings": true},
  "runtimeConfig": {"portMappings": [{"hostPort": 8081, "containerPort": 80, "protocol": "tcp"}]}},
 {"type": "firewall"}]}
EOF
jq -r '.cniVersion as $v | .name as $n | .plugins[] |
       "\(.type)\t\((. + {cniVersion: $v, name: $n}) | tojson | .[0:-1])"' \
  "$W/cni-ports.conflist" >"$W/cni-ports.chain"

# The CNI plugin (issue 18): mini-runc-cni on a managed network with one port, and the
# reference chain a conflist would use for the same, bridge + host-local then portmap.
export CNIP=$repo/build/release/cni/mini-runc-cni
mr_cni_conf() {  # NETWORK [HOST-PORT]
  local ports=
  [ -z "${2:-}" ] ||
    ports=', "runtimeConfig": {"portMappings": [{"hostPort": '"$2"', "containerPort": 80, "protocol": "tcp"}]}'
  printf '{"cniVersion": "1.0.0", "name": "%s-net", "type": "mini-runc-cni", "network": "%s", "networkDir": "%s", "stateDir": "%s"%s}\n' \
    "$1" "$1" "$NETS" "$W/cni-mr" "$ports"
}
mr_cni_conf shared 8085 >"$W/cni-mr-shared.conf"
mr_cni_conf mgd 8087 >"$W/cni-mr-mgd.conf"
cat >"$W/cni-bp.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "bench-bp", "plugins": [
 {"type": "bridge", "bridge": "cni-bp0", "isGateway": true, "ipMasq": true,
  "ipam": {"type": "host-local", "dataDir": "$W/cni-bp-ipam",
           "ranges": [[{"subnet": "10.93.0.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
 {"type": "portmap", "capabilities": {"portMappings": true},
  "runtimeConfig": {"portMappings": [{"hostPort": 8086, "containerPort": 80, "protocol": "tcp"}]}}]}
EOF
jq -r '.cniVersion as $v | .name as $n | .plugins[] |
       "\(.type)\t\((. + {cniVersion: $v, name: $n}) | tojson | .[0:-1])"' \
  "$W/cni-bp.conflist" >"$W/cni-bp.chain"

# A process in a fresh netns: the container that the network-only cases configure.
mkfifo "$W/ready"
unshare --net sh -c "echo ready >$W/ready; exec sleep infinity" &
ctr_pid=$!
read -r _ <"$W/ready"
export CTR_PID=$ctr_pid
printf '{"ociVersion": "1.0.2", "id": "hk", "status": "creating", "pid": %s, "bundle": "%s/bundle"}\n' \
  "$ctr_pid" "$W" >"$W/hook-state.json"
# On any exit: the stand-in processes, the resident container (bench/port-filler.sh) too.
client_pid=
stop_stand_ins() { kill $ctr_pid $client_pid $(cat "$W/resident.pid" 2>/dev/null) 2>/dev/null || true; }
trap stop_stand_ins EXIT

if [ -n "$hot_text_dir" ]; then
  # What a user waits for: `run` with and without the network, and with podman's seccomp
  # profile (no limits: this layout's cgroup2 has no memory or pids); the hook's configure and
  # undo, for a container that ends first (as under a runtime) and for one still alive.
  trace() { local binary=$1; shift
    "$repo/build/release/bench/hot-text" "$binary.map" "$hot_text_dir/$(basename "$binary").hits" -- "$binary" "$@"; }
  for i in 1 2; do
    trace "$MR" --root "$W/mr" run -b "$W/bundle" --network "$W/net.json" "ht$i"
    trace "$MR" --root "$W/mr" run -b "$W/bundle" "ht-nonet$i"
    trace "$MR" --root "$W/mr" --network-dir "$NETS" run -b "$W/bundle" --network "$W/bundle/network-managed.json" "ht-mgd$i"
    trace "$MR" --root "$W/mr" run -b "$W/bundle-seccomp" --network "$W/net.json" "ht-seccomp$i"
  done
  export BUNDLE=$W/bundle
  /bin/sh "$repo/bench/container-stub.sh" start "$W/ht-stub"
  trace "$HOOK" --root "$W/hook" --network network-bench.json --stage configure <"$W/ht-stub.json"
  /bin/sh "$repo/bench/container-stub.sh" stop "$W/ht-stub"
  trace "$HOOK" --root "$W/hook" --stage undo <"$W/ht-stub.json"
  trace "$HOOK" --root "$W/hook" --network network-bench.json --stage configure <"$W/hook-state.json"
  trace "$HOOK" --root "$W/hook" --stage undo <"$W/hook-state.json"
  trace "$HOOK" --root "$W/hook" --network-dir "$NETS" --network network-managed.json --stage configure <"$W/hook-state.json"
  trace "$HOOK" --root "$W/hook" --network-dir "$NETS" --stage undo <"$W/hook-state.json"
  for i in 1 2; do
    CNI_COMMAND=ADD CNI_CONTAINERID=ht$i CNI_NETNS=/proc/$ctr_pid/ns/net trace "$CNIP" <"$W/cni-mr-mgd.conf" >/dev/null
    CNI_COMMAND=DEL CNI_CONTAINERID=ht$i CNI_NETNS=/proc/$ctr_pid/ns/net trace "$CNIP" <"$W/cni-mr-mgd.conf"
  done
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
mini-runc, managed network + port	$MR --root $W/mr --network-dir $NETS run -b $W/bundle --network $W/bundle/network-managed.json b7
mini-runc, managed network + port + DNS	$MR --root $W/mr --network-dir $NETS run -b $W/bundle --network $W/bundle/network-managed-dns.json b9
mini-runc, managed network + port, bridge up	$MR --root $W/mr --network-dir $NETS run -b $W/bundle --network $W/bundle/network-shared-run.json b10
runc + CNI bridge, portmap, firewall	/bin/sh $repo/bench/runc-cni-ports.sh
EOF
# Starting a container: create + start, timed until start returns (the workload has been
# exec'd); delete --force (the workload may still be running) untimed. What a user waits
# for before the container runs.
cat >"$W/starts.cases" <<EOF
start: mini-runc, veth	$MR --root $W/mr create -b $W/bundle --network $W/net.json s1 ;; $MR --root $W/mr start s1 ;; !$MR --root $W/mr delete --force s1
start: mini-runc, managed network + port	$MR --root $W/mr --network-dir $NETS create -b $W/bundle --network $W/bundle/network-managed.json s2 ;; $MR --root $W/mr start s2 ;; !$MR --root $W/mr --network-dir $NETS delete --force s2
start: crun, no network	$CRUN --root $W/crun --cgroup-manager=disabled create -b $W/bundle s3 ;; $CRUN --root $W/crun start s3 ;; !$CRUN --root $W/crun delete --force s3
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
netns-hook configure+undo, managed network + port	$HOOK --root $W/hook --network-dir $NETS --network network-managed.json --stage configure <$W/hook-state.json ;; $HOOK --root $W/hook --network-dir $NETS --stage undo <$W/hook-state.json
netns-hook configure+undo, managed network + port + DNS	$HOOK --root $W/hook --network-dir $NETS --network network-managed-dns.json --stage configure <$W/hook-state.json ;; $HOOK --root $W/hook --network-dir $NETS --stage undo <$W/hook-state.json
netns-hook configure, veth (undo untimed)	$HOOK --root $W/hook --network network-bench.json --stage configure <$W/hook-state.json ;; !$HOOK --root $W/hook --stage undo <$W/hook-state.json
netns-hook configure, managed network + port (undo untimed)	$HOOK --root $W/hook --network-dir $NETS --network network-managed.json --stage configure <$W/hook-state.json ;; !$HOOK --root $W/hook --network-dir $NETS --stage undo <$W/hook-state.json
netns-hook configure+undo, managed network + port, bridge up	$HOOK --root $W/hook --network-dir $NETS --network network-shared.json --stage configure <$W/hook-state.json ;; $HOOK --root $W/hook --network-dir $NETS --stage undo <$W/hook-state.json
CNI chain ADD+DEL: bridge, portmap, firewall	CNI_CONTAINERID=bench CNI_NETNS=/proc/$ctr_pid/ns/net /bin/sh $repo/bench/cni-chain.sh ADD $W/cni-ports.chain $W/cni-ports.bench ;; CNI_CONTAINERID=bench CNI_NETNS=/proc/$ctr_pid/ns/net /bin/sh $repo/bench/cni-chain.sh DEL $W/cni-ports.chain $W/cni-ports.bench
mini-runc-cni ADD+DEL, managed network + port	CNI_COMMAND=ADD $cni $CNIP <$W/cni-mr-mgd.conf ;; CNI_COMMAND=DEL $cni $CNIP <$W/cni-mr-mgd.conf
mini-runc-cni ADD+DEL, managed network + port, bridge up	CNI_COMMAND=ADD $cni $CNIP <$W/cni-mr-shared.conf ;; CNI_COMMAND=DEL $cni $CNIP <$W/cni-mr-shared.conf
CNI chain ADD+DEL: bridge + host-local, portmap	$cni /bin/sh $repo/bench/cni-chain.sh ADD $W/cni-bp.chain $W/cni-bp.bench ;; $cni /bin/sh $repo/bench/cni-chain.sh DEL $W/cni-bp.chain $W/cni-bp.bench
floor up+down	$FLOOR up --pid $ctr_pid --dir $W/floor --time-file $W/floor.ms ;; $FLOOR down --dir $W/floor --time-file $W/floor.ms
EOF

# Leftovers: host links, mounts, state directories, named netns, nftables tables, the
# pools' held addresses and DNS files (a pool's next-address cursor, last-4 or last-6,
# stays by design, as host-local's last_reserved_ip does). A state root that mini-runc
# and netns-hook bind-mount onto itself (shared, so that their pins are seen from every
# mount namespace, as iproute2 does /run/netns) is not a leftover. The tables
# iptables-nft keeps (ip/ip6 nat and filter) are the CNI plugins', which leave their
# chains by design; ours is `inet mini_runc`.
leftovers() {
  { ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
    awk -v mr="$W/mr" -v hook="$W/hook" -v cni="$W/cni-mr" '$5 != mr && $5 != hook && $5 != cni {print "mount " $5}' \
      /proc/self/mountinfo | sort
    ls -A "$W/mr" "$W/runc" "$W/crun" "$W/hook" "$W/floor" "$W/cni-mr"
    ls -A /run/netns 2>/dev/null || true
    nft list tables | grep -v -E '^table ip6? (nat|filter)$' || true
    find /run/mini-runc-ipam /run/mini-runc-dns /run/mini-runc-leases -type f ! -name 'last-*' 2>/dev/null || true
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

# A resident container on network shared, through the runtimes, network and ports cases:
# the `bridge up` cases and the ports cases join a network whose bridge stays.
/bin/sh "$repo/bench/port-filler.sh" up "$W/resident" network-shared-none.json
log "runtimes: $WARMUP warm-up + $ROUNDS rounds, interleaved (load $(load_now))"
"$MEASURE" --cases "$W/runtimes.cases" --rounds "$ROUNDS" --warmup "$WARMUP" --raw "$W/runtimes.raw" >"$W/runtimes.tsv"
# Seccomp + cgroups (issue 19): podman's default seccomp profile, a memory and a pids limit,
# mini-runc with the network against crun and runc without; in a mount namespace of its
# own that shows the host's hybrid cgroup layout again (bench/cgroup-case.sh).
unshare --mount --propagation private "$repo/bench/cgroup-case.sh" "$W/cgroups"
log "starts: create + start (load $(load_now))"
"$MEASURE" --cases "$W/starts.cases" --rounds "$ROUNDS" --warmup "$WARMUP" --raw "$W/starts.raw" >"$W/starts.tsv"
log "network alone (load $(load_now))"
: >"$W/floor.ms"
"$MEASURE" --cases "$W/network.cases" --rounds "$ROUNDS" --warmup "$WARMUP" --raw "$W/network.raw" >"$W/network.tsv"
# The CNI bridge plugin makes its bridge and never deletes it, by design: the bench does.
ip link del cni-ports0
ip link del cni-bp0

# Published ports: what 1,000 published ports cost the next container's setup and a
# connection. A filler container on network fill (bench/port-filler.sh, untimed: made
# before each timed run and removed after it) publishes a range of 1,000 ports, or none;
# the two cases interleave, so the machine's drift falls on both. The setup: the hook's
# configure+undo of a one-port spec on shared, beside the resident, so that the bridge
# stays and what is timed is the container's own veth, address and port. The connection: from a client namespace behind
# the host's uplink (192.0.2.2 -> 192.0.2.1:18080), DNAT to a server container on mgd
# that answers one byte (bench/tcp_probe.cpp); $CONNECTS connections one after another,
# timed as one step.
filler="/bin/sh $repo/bench/port-filler.sh"
cat >"$W/ports.cases" <<EOF
one more port, none published	!$filler up $W/filler-{i} network-fill-none.json ;; $HOOK --root $W/hook --network-dir $NETS --network network-shared.json --stage configure <$W/hook-state.json ;; $HOOK --root $W/hook --network-dir $NETS --stage undo <$W/hook-state.json ;; !$filler down $W/filler-{i}
one more port, 1,000 published	!$filler up $W/filler-{i} network-fill-1000.json ;; $HOOK --root $W/hook --network-dir $NETS --network network-shared.json --stage configure <$W/hook-state.json ;; $HOOK --root $W/hook --network-dir $NETS --stage undo <$W/hook-state.json ;; !$filler down $W/filler-{i}
EOF
log "ports: one more port with none and with 1,000 published (load $(load_now))"
"$MEASURE" --cases "$W/ports.cases" --rounds "$ROUNDS" --warmup "$WARMUP" --raw "$W/ports.raw" >"$W/ports.tsv"
/bin/sh "$repo/bench/port-filler.sh" down "$W/resident"
after_cases=$(settled_leftovers)

unshare --net sh -c "ip link set lo up; echo ready >$W/ready; exec sleep infinity" &
client_pid=$!
read -r _ <"$W/ready"
ip link add up0 type veth peer name eth0 netns "/proc/$client_pid/ns/net"
ip addr add 192.0.2.1/24 dev up0
ip link set up0 up
nsenter --net="/proc/$client_pid/ns/net" sh -c 'ip addr add 192.0.2.2/24 dev eth0 && ip link set eth0 up'
/bin/sh "$repo/bench/container-stub.sh" start "$W/server"
"$HOOK" --root "$W/hook" --network-dir "$NETS" --network network-server.json --stage configure <"$W/server.json"
"$PROBE" serve --netns "/proc/$(cat "$W/server.pid")/ns/net" --port 80 --ready "$W/ready" &
server_pid=$!
read -r _ <"$W/ready"
connect="$PROBE connect --netns /proc/$client_pid/ns/net --to 192.0.2.1 --port 18080 --count $CONNECTS"
cat >"$W/latency.cases" <<EOF
connections, one published	!$filler up $W/filler-{i} network-fill-none.json ;; $connect ;; !$filler down $W/filler-{i}
connections, 1 + 1,000 published	!$filler up $W/filler-{i} network-fill-1000.json ;; $connect ;; !$filler down $W/filler-{i}
EOF
log "latency: $CONNECTS connections to a published port, with one and with 1 + 1,000 published (load $(load_now))"
"$MEASURE" --cases "$W/latency.cases" --rounds "$ROUNDS" --warmup "$WARMUP" --raw "$W/latency.raw" >"$W/latency.tsv"
kill "$server_pid" "$client_pid"
wait "$server_pid" "$client_pid" 2>/dev/null || true
client_pid=
"$HOOK" --root "$W/hook" --network-dir "$NETS" --stage undo <"$W/server.json"
/bin/sh "$repo/bench/container-stub.sh" stop "$W/server"
ip link del up0 2>/dev/null || true  # gone with the client's namespace, unless not yet
after_ports=$(settled_leftovers)

# The CNI plugin with $CNI_FILL attachments alive on its network (cnifill, a /21): ADD
# of one more (its DEL untimed), beside one resident attachment so that the bridge stays,
# then beside $CNI_FILL more (named netns made with ip -batch, each ADDed by the plugin;
# untimed). The two levels are measured one after the other, as the scale runs are.
"$MR" --network-dir "$NETS" network create cnifill --subnet 10.92.0.0/21 --no-dns >/dev/null
mr_cni_conf cnifill 8088 >"$W/cni-fill-timed.conf"
mr_cni_conf cnifill >"$W/cni-fill.conf"
cni_fill() {  # ADD|DEL FROM TO: pods cfFROM..cfTO
  local i
  for i in $(seq "$2" "$3"); do
    CNI_COMMAND=$1 CNI_CONTAINERID=cf$i CNI_NETNS=/run/netns/cf$i "$CNIP" <"$W/cni-fill.conf" >/dev/null
  done
}
seq 0 "$CNI_FILL" | sed 's/^/netns add cf/' | ip -batch -
cni_fill ADD 0 0
for level in 0 "$CNI_FILL"; do
  [ "$level" = 0 ] || cni_fill ADD 1 "$CNI_FILL"
  printf 'mini-runc-cni ADD, %s more alive\tCNI_COMMAND=ADD %s %s <%s ;; !CNI_COMMAND=DEL %s %s <%s\n' \
    "$level" "$cni" "$CNIP" "$W/cni-fill-timed.conf" "$cni" "$CNIP" "$W/cni-fill-timed.conf" >"$W/cni-scale.cases"
  log "cni: one more ADD with $level more attachments alive (load $(load_now))"
  "$MEASURE" --cases "$W/cni-scale.cases" --rounds "$ROUNDS" --warmup "$WARMUP" >"$W/cni-scale-$level.part"
done
cni_fill DEL 0 "$CNI_FILL"
seq 0 "$CNI_FILL" | sed 's/^/netns del cf/' | ip -batch -
{ cat "$W/cni-scale-0.part"; tail -n +2 "$W/cni-scale-$CNI_FILL.part"; } >"$W/cni-scale.tsv"
after_cni=$(settled_leftovers)

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
cp "$W"/*.tsv "$W"/*.raw "$W/floor.ms" "$W/cgroups.check" "$out/raw/"
export load_start load_end before after_cases after_ports after_cni after_churn after_scale
"$repo/bench/report.sh" "$out"

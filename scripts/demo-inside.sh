#!/usr/bin/env bash
# The demo proper, run by scripts/demo.sh inside a throwaway network namespace:
#   demo-inside.sh MINI_RUNC BUNDLE WORKDIR
# The stand-in host is built with `ip` (this script plays the administrator) and looked
# at with `nft`; mini-runc itself runs no tools. Every result is checked: a wrong one, or a server that does not
# answer, ends the demo with "demo: FAILED: ..." and a non-zero status.
set -euo pipefail
runc=$1 bundle=$2 work=$3
root=$work/state
mr() { "$runc" --root "$root" "$@"; }
step() { printf '\n== %s\n' "$*"; }
fail() { echo "demo: FAILED: $*" >&2; exit 1; }
# `mini-runc spec` runs ["sh"]: make it ["sh", "-c", CMD] (CMD without double quotes).
set_args() { local cmd=${2//&/\\&}; sed -i "s|^\( *\)\"sh\"\$|\1\"sh\", \"-c\", \"$cmd\"|" "$1"; }
trap 'for id in $(mr list -q 2>/dev/null); do mr delete --force "$id" >/dev/null 2>&1 || true; done' EXIT

# `mr [OPTIONS] run --detach` of $work/ID whose workload says "ready" on its stdout once it
# serves. Its stdout is a fifo, opened read-write here so that neither side blocks on open;
# the demo waits for the line, 10 s at most. run_until_ready ID [MINI-RUNC OPTIONS...]
run_until_ready() {
  local id=$1 said; shift
  mkfifo "$work/$id.out"
  exec 4<>"$work/$id.out"
  mr "$@" run --detach --bundle "$work/$id" "$id" >&4
  read -r -t 10 said <&4 || fail "container $id did not say it was ready within 10 s"
  exec 4<&-
  [ "$said" = ready ] || fail "container $id said \"$said\", not ready"
}

step "the stand-in host: bridge mr0 (10.88.0.1/16) and a NIC enp0 (192.0.2.1/24)"
ip link set lo up
ip link add mr0 address 02:42:0a:58:00:01 type bridge && ip addr add 10.88.0.1/16 dev mr0 && ip link set mr0 up
ip link add enp0 type veth peer name enp0-wire && ip link set enp0-wire up
ip addr add 192.0.2.1/24 dev enp0 && ip link set enp0 up
ip -br addr

step "consolidation: containers a and b both serve 0.0.0.0:8080, each with its own veth on mr0"
for c in a:10.88.0.2 b:10.88.0.3; do
  id=${c%%:*} addr=${c#*:}
  mkdir -p "$work/$id" && cp -a "$bundle/." "$work/$id/"
  cat > "$work/$id/network.json" <<JSON
{"version": 1,
 "devices": [{"name": "eth0", "veth": {"bridge": "mr0"}, "addresses": ["$addr/16"]}],
 "routes": [{"to": "default", "via": "10.88.0.1"}]}
JSON
  # Without -f, busybox httpd binds its port and then goes to the background: once it
  # has returned, the server listens, and the workload says so on its stdout.
  set_args "$work/$id/config.json" "echo hello from container $id > /dev/shm/index.html && httpd -p 8080 -h /dev/shm && echo ready && exec sleep 100000"
  run_until_ready "$id"
done
mr list
# A client on the host (bash's /dev/tcp): one request, 5 s at most. fetch ADDR [PORT].
fetch() {
  # shellcheck disable=SC2016 # $1 and $2 are the inner shell's
  timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "GET /index.html HTTP/1.0\r\n\r\n" >&3 && tail -n 1 <&3' \
    _ "$1" "${2:-8080}"
}
for c in a:10.88.0.2 b:10.88.0.3; do
  id=${c%%:*} addr=${c#*:}
  got=$(fetch "$addr") || fail "no answer from http://$addr:8080/"
  echo "http://$addr:8080/ -> $got"
  [ "$got" = "hello from container $id" ] || fail "http://$addr:8080/ answered \"$got\", not container $id"
done
if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then fail "the host's own 8080 is taken"; fi
echo "the host's own 8080 is free"

step "make a host device visible: enp0 moves into container c as eth0 with 203.0.113.5/24"
mkdir -p "$work/c" && cp -a "$bundle/." "$work/c/"
cat > "$work/c/network.json" <<'JSON'
{"version": 1, "devices": [{"name": "eth0", "move": "enp0", "addresses": ["203.0.113.5/24"]}]}
JSON
set_args "$work/c/config.json" "ip -o addr"
inside=$(mr run --bundle "$work/c" c) || fail "container c failed"
echo "inside c:"
echo "$inside"
grep -q ' eth0 *inet 203\.0\.113\.5/24 ' <<<"$inside" || fail "eth0 inside c does not have 203.0.113.5/24"
! grep -q '192\.0\.2\.1' <<<"$inside" || fail "the host's address 192.0.2.1 went into c"
echo "back on the host after c ended:"
back=$(ip -br addr show enp0) || fail "enp0 did not come back to the host"
echo "$back"
grep -q ' 192\.0\.2\.1/24' <<<"$back" || fail "enp0 came back without 192.0.2.1/24"

step "clean up: delete a and b; their veths go with their namespaces"
for id in a b; do mr kill "$id" KILL; mr delete --force "$id"; done
# delete returns before the kernel's namespace cleanup deletes the veth pairs (a work
# queue, a few milliseconds later): look again on each link event, 10 s at most.
leftovers() { ip -o link | grep ': mr[0-9a-f]\{8\}-' || true; }
deadline=$((SECONDS + 10))
while [ -n "$(leftovers)" ] && [ "$SECONDS" -lt "$deadline" ]; do
  timeout 1 ip monitor link 2>/dev/null | head -1 >/dev/null || true
done
[ -z "$(leftovers)" ] || fail "veths left on the host: $(leftovers)"
ip -br link

step "a managed network: web1 publishes port 8080, web2 finds it by name"
# The stand-in internet: a namespace of its own behind the host's uplink (198.51.100.1).
# It says "ready" once it has its own namespace: /proc/PID/ns/net is the demo's until then.
mkfifo "$work/inet.ready"
unshare --net sh -c "echo ready > $work/inet.ready; exec sleep 100000" &
inet=$!
read -r -t 10 _ < "$work/inet.ready" || fail "the stand-in internet did not start"
trap 'kill $inet 2>/dev/null; for id in $(mr list -q 2>/dev/null); do mr delete --force "$id" >/dev/null 2>&1 || true; done' EXIT
in_inet() { nsenter --net=/proc/$inet/ns/net "$@"; }
ip link add uplink type veth peer name wan0 netns "$inet"
ip addr add 198.51.100.1/24 dev uplink && ip link set uplink up && ip route add default via 198.51.100.2
in_inet ip addr add 198.51.100.2/24 dev wan0 && in_inet ip link set wan0 up && in_inet ip link set lo up
nets=$work/networks
mr --network-dir "$nets" network create web --subnet 10.89.1.0/24
for id in web1 web2; do mkdir -p "$work/$id" && cp -a "$bundle/." "$work/$id/"; done
cat > "$work/web1/network.json" <<'JSON'
{"version": 1, "devices": [{"name": "eth0", "network": "web"}],
 "ports": [{"hostPort": 8080, "containerPort": 80}]}
JSON
set_args "$work/web1/config.json" "echo hello from web1 > /dev/shm/index.html && httpd -p 80 -h /dev/shm && echo ready && exec sleep 100000"
run_until_ready web1 --network-dir "$nets"
echo "our nftables table:" && nft list table inet mini_runc | grep -E 'elements|dnat|masquerade' | head -6
got=$(in_inet bash -c "$(declare -f fetch); fetch 198.51.100.1") || fail "no answer on 198.51.100.1:8080 from the internet"
echo "internet -> http://198.51.100.1:8080/ -> $got"
[ "$got" = "hello from web1" ] || fail "the published port answered \"$got\""
got=$(fetch 127.0.0.1) || fail "no answer on the host's 127.0.0.1:8080"
echo "host -> http://127.0.0.1:8080/ -> $got"
[ "$got" = "hello from web1" ] || fail "127.0.0.1:8080 answered \"$got\""
echo '{"version": 1, "devices": [{"name": "eth0", "network": "web"}]}' > "$work/web2/network.json"
set_args "$work/web2/config.json" "wget -q -O - http://web1/index.html"
got=$(mr --network-dir "$nets" run --bundle "$work/web2" web2) || fail "web2 could not fetch http://web1/"
echo "web2 -> http://web1/ -> $got"
[ "$got" = "hello from web1" ] || fail "web2 got \"$got\" from http://web1/"
mr kill web1 KILL && mr delete --force web1
bridge=$(mr --network-dir "$nets" network inspect web | sed -n 's/.*"bridge": "\([^"]*\)".*/\1/p')
! ip link show "$bridge" >/dev/null 2>&1 || fail "the network's bridge $bridge stayed after its last container"
! nft list table inet mini_runc >/dev/null 2>&1 || fail "our nftables table stayed after the last container"
echo "after delete: no bridge $bridge, no table inet mini_runc"
echo
echo "demo: all checks passed"

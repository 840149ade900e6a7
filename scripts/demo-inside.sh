#!/usr/bin/env bash
# The demo proper, run by scripts/demo.sh inside a throwaway network namespace. The
# stand-in host is built with `ip` (this script plays the administrator); mini-runc itself
# runs no tools.
set -euo pipefail
runc=$1 demo=$2
root=$demo/state
mr() { "$runc" --root "$root" "$@"; }
step() { printf '\n== %s\n' "$*"; }
# `mini-runc spec` runs ["sh"]: make it ["sh", "-c", CMD] (CMD without double quotes).
set_args() { local cmd=${2//&/\\&}; sed -i "s|^\( *\)\"sh\"\$|\1\"sh\", \"-c\", \"$cmd\"|" "$1"; }
trap 'for id in $(mr list -q 2>/dev/null); do mr delete --force "$id" >/dev/null 2>&1 || true; done' EXIT

step "the stand-in host: bridge mr0 (10.88.0.1/16) and a NIC enp0 (192.0.2.1/24)"
ip link set lo up
ip link add mr0 address 02:42:0a:58:00:01 type bridge && ip addr add 10.88.0.1/16 dev mr0 && ip link set mr0 up
ip link add enp0 type veth peer name enp0-wire && ip link set enp0-wire up
ip addr add 192.0.2.1/24 dev enp0 && ip link set enp0 up
ip -br addr

step "consolidation: containers a and b both serve 0.0.0.0:8080, each with its own veth on mr0"
for c in a:10.88.0.2 b:10.88.0.3; do
  id=${c%%:*} addr=${c#*:}
  mkdir -p "$demo/$id" && cp -a "$demo/bundle/." "$demo/$id/"
  cat > "$demo/$id/network.json" <<JSON
{"version": 1,
 "devices": [{"name": "eth0", "veth": {"bridge": "mr0"}, "addresses": ["$addr/16"]}],
 "routes": [{"to": "default", "via": "10.88.0.1"}]}
JSON
  set_args "$demo/$id/config.json" "echo hello from container $id > /dev/shm/index.html && exec httpd -f -p 8080 -h /dev/shm"
  mr run --detach --bundle "$demo/$id" "$id"
done
mr list
# A client on the host: bash's /dev/tcp, retried until the server listens (the container
# says nothing when it does).
fetch() {
  for _ in $(seq 100); do
    if exec 3<>"/dev/tcp/$1/8080"; then
      printf 'GET /index.html HTTP/1.0\r\n\r\n' >&3
      tail -n 1 <&3
      exec 3<&-
      return 0
    fi 2>/dev/null
  done
  echo "no answer"
}
for addr in 10.88.0.2 10.88.0.3; do echo "http://$addr:8080/ -> $(fetch "$addr")"; done
(exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null && echo "the host's own 8080 is taken" || echo "the host's own 8080 is free"

step "make a host device visible: enp0 moves into container c as eth0 with 203.0.113.5/24"
mkdir -p "$demo/c" && cp -a "$demo/bundle/." "$demo/c/"
cat > "$demo/c/network.json" <<'JSON'
{"version": 1, "devices": [{"name": "eth0", "move": "enp0", "addresses": ["203.0.113.5/24"]}]}
JSON
set_args "$demo/c/config.json" "echo inside c:; ip -o addr"
mr run --bundle "$demo/c" c
echo "back on the host after c ended:"
ip -br addr show enp0

step "clean up: delete a and b; their veths go with their namespaces"
for id in a b; do mr kill "$id" KILL; mr delete --force "$id"; done
# delete returns before the kernel's namespace cleanup deletes the veth pairs (a work
# queue, a few milliseconds later): look again on each link event, 10 s at most.
deadline=$((SECONDS + 10))
while [ -n "$(ip -o link | grep ': mr[0-9a-f]\{8\}-')" ] && [ "$SECONDS" -lt "$deadline" ]; do
  timeout 1 ip monitor link 2>/dev/null | head -1 >/dev/null || true
done
ip -br link

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
ip link add mr0 type bridge && ip addr add 10.88.0.1/16 dev mr0 && ip link set mr0 up
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
  set_args "$demo/$id/config.json" "echo hello from container $id > /tmp/index.html && exec httpd -f -p 8080 -h /tmp"
  mr run --detach --bundle "$demo/$id" "$id"
done
mr list
for addr in 10.88.0.2 10.88.0.3; do
  # wget retries until the server is up: the container reports nothing when it listens.
  for _ in $(seq 50); do out=$(busybox wget -q -T 1 -O - "http://$addr:8080/" 2>/dev/null) && break; done
  echo "http://$addr:8080/ -> $out"
done
echo "the host's own 8080 is free: $(busybox nc -w 1 127.0.0.1 8080 </dev/null 2>&1 >/dev/null && echo taken || echo free)"

step "make a host device visible: enp0 moves into container c as eth0 with 203.0.113.5/24"
mkdir -p "$demo/c" && cp -a "$demo/bundle/." "$demo/c/"
cat > "$demo/c/network.json" <<'JSON'
{"version": 1, "devices": [{"name": "eth0", "move": "enp0", "addresses": ["203.0.113.5/24"]}]}
JSON
set_args "$demo/c/config.json" "echo inside c:; ip -br addr"
mr run --bundle "$demo/c" c
echo "back on the host after c ended:"
ip -br addr show enp0

step "clean up: delete a and b; their veths leave the bridge"
for id in a b; do mr kill "$id" KILL; mr delete --force "$id"; done
ip -br link

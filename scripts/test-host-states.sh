#!/usr/bin/env bash
# Runs the whole suite on the machine in the states a user's host is often in, to prove
# that no test depends on the machine's own network state (each makes its own sandbox
# and sets or reads the sandbox's own starting values):
#   forward-0   net.ipv4.ip_forward 0 (a new namespace copies IPv4 settings from the
#               machine's initial one)
#   forward-1   net.ipv4.ip_forward 1, as on any host that ran Docker or podman
#   podman      a podman CNI bridge network with a container on it: its bridge, veth,
#               iptables NAT and filter rules (podman sets ip_forward 1 too)
#   links       500 veth pairs (1,000 links, mrtestNNNa/b) in the machine's namespace
# The machine is put back as it was (ip_forward, the links, podman's container, bridge
# and iptables rules) on every exit, failure or Ctrl-C included; podman's files (storage,
# network config, CNI leases) never reach it: podman runs in a private mount namespace
# with tmpfs over /var/lib and /run, as tests/support/podman_support.hpp does. Needs root.
# Each state's ctest log goes to $LOGS (default /tmp/mr-host-states).
#   scripts/test-host-states.sh                    # all four states
#   STATES="forward-1 links" scripts/test-host-states.sh
#   BUILD=build/test scripts/test-host-states.sh   # an existing build dir, brought up
#                                                  # to date with ninja (NO_BUILD=1: as is)
#   SUITE="ctest -R podman" scripts/test-host-states.sh   # a part of the suite
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "test-host-states.sh: needs root" >&2; exit 1; }
if [ -n "${NO_BUILD:-}" ]; then
  :
elif [ -n "${BUILD:-}" ]; then
  ninja -C "$BUILD"
else
  BUILD=build/test
  scripts/build.sh build/test -DMR_FAULT_INJECTION=ON
fi
BUILD=$(cd "$BUILD" && pwd)
STATES=${STATES:-forward-0 forward-1 podman links}
LOGS=${LOGS:-/tmp/mr-host-states}
mkdir -p "$LOGS"

forward_was=$(sysctl -n net.ipv4.ip_forward)
podman_dir=""
holder=""
net=mrtest-hoststates
links_made=0

remove_links() {
  [ "$links_made" = 1 ] || return 0
  for i in $(seq -w 0 499); do echo "link del mrtest${i}a"; done | ip -force -batch - 2>/dev/null || true
  links_made=0
}
# podman as the tests run it: its own storage, run and network config directories; runc
# (crun 1.8 refuses this machine's hybrid cgroup layout).
podman_in() {
  CONTAINERS_CONF=$podman_dir/containers.conf nsenter -t "$holder" -m podman \
    --root "$podman_dir/storage" --runroot "$podman_dir/run" --tmpdir "$podman_dir/tmp" \
    --storage-driver vfs --cgroup-manager cgroupfs --events-backend none --runtime "$(command -v runc)" "$@"
}
capped() {
  local v=$1
  { [ "$v" = unlimited ] || [ "$v" -gt 4096 ]; } && v=4096
  echo "$v:$v"
}
make_podman() {
  podman_dir=$(mktemp -d /tmp/mr-host-states-podman.XXXXXX)
  iptables-save >"$podman_dir/iptables"
  ip6tables-save >"$podman_dir/ip6tables"
  ip -o link show type bridge | awk -F': ' '{print $2}' | sort >"$podman_dir/bridges"
  mkdir -p "$podman_dir/networks"
  printf '[network]\nnetwork_backend = "cni"\nnetwork_config_dir = "%s/networks"\n' "$podman_dir" \
    >"$podman_dir/containers.conf"
  # The holder keeps the mount namespace; it says (through a FIFO) when its tmpfs are on.
  mkfifo "$podman_dir/ready"
  unshare --mount --propagation private sh -c \
    'mount -t tmpfs tmpfs /var/lib && mount -t tmpfs tmpfs /run; echo $? >"$1"; exec sleep infinity' \
    holder "$podman_dir/ready" &
  holder=$!
  [ "$(cat "$podman_dir/ready")" = 0 ] || { echo "test-host-states.sh: podman's private mounts failed" >&2; exit 1; }
  podman_in import -q "$BUILD/tests/example-bundle.tar" mrtest-hoststates >/dev/null
  podman_in network create "$net" >/dev/null
  # The ulimits the tests' podman runs pass too (podman's defaults may exceed what this
  # process may set): the hard limit, at most 4096.
  podman_in run -d --name mrtest-hoststates --network "$net" \
    --ulimit "nofile=$(capped "$(ulimit -Hn)")" --ulimit "nproc=$(capped "$(ulimit -Hu)")" \
    mrtest-hoststates sleep 100000 >/dev/null
}
remove_podman() {
  [ -n "$podman_dir" ] || return 0
  if [ -n "$holder" ]; then
    podman_in rm -f -t 0 mrtest-hoststates >/dev/null 2>&1 || true
    podman_in network rm -f "$net" >/dev/null 2>&1 || true
    kill "$holder" 2>/dev/null || true
    wait "$holder" 2>/dev/null || true
    holder=""
  fi
  # CNI leaves its bridge and chains behind when the last container goes.
  for b in $(ip -o link show type bridge | awk -F': ' '{print $2}' | sort | comm -13 "$podman_dir/bridges" -); do
    ip link del "$b" 2>/dev/null || true
  done
  # Back to the saved rules; a table the save lacks (iptables-nft makes it on first use)
  # is emptied, its chains gone.
  local v t
  for v in iptables ip6tables; do
    "$v-restore" <"$podman_dir/$v"
    for t in filter nat mangle raw security; do
      grep -qx "\*$t" "$podman_dir/$v" || { "$v" -t "$t" -F; "$v" -t "$t" -X; } 2>/dev/null
    done
  done
  rm -rf "$podman_dir"
  podman_dir=""
}
restore() {
  set +e
  remove_podman
  remove_links
  sysctl -qw net.ipv4.ip_forward="$forward_was"
}
trap restore EXIT
trap 'exit 130' INT TERM

# Runs the suite; its verdict goes to the summary, never stops the other states.
declare -A verdict
run_suite() {
  local state=$1
  echo "== $state: ip_forward $(sysctl -n net.ipv4.ip_forward), $(ip -o link | wc -l) links on the machine"
  if (cd "$BUILD" && bash -c "${SUITE:-ctest --output-on-failure -j2}") >"$LOGS/$state.log" 2>&1; then
    verdict[$state]=passed
  else
    verdict[$state]="FAILED (see $LOGS/$state.log)"
    grep -E '^\s*[0-9]+ - ' "$LOGS/$state.log" || true
  fi
  tail -n 3 "$LOGS/$state.log" | grep 'tests passed' || true
}

for state in $STATES; do
  case $state in
    forward-0)
      sysctl -qw net.ipv4.ip_forward=0
      run_suite "$state"
      ;;
    forward-1)
      sysctl -qw net.ipv4.ip_forward=1
      run_suite "$state"
      ;;
    podman)
      make_podman
      run_suite "$state"
      remove_podman
      sysctl -qw net.ipv4.ip_forward="$forward_was"
      ;;
    links)
      links_made=1
      for i in $(seq -w 0 499); do echo "link add mrtest${i}a type veth peer name mrtest${i}b"; done | ip -batch -
      run_suite "$state"
      remove_links
      ;;
    *) echo "test-host-states.sh: unknown state $state" >&2; exit 2 ;;
  esac
done

status=0
for state in $STATES; do
  echo "$state: ${verdict[$state]}"
  [ "${verdict[$state]}" = passed ] || status=1
done
exit $status

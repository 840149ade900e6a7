#!/bin/sh
# A stand-in container for the lifecycle cases of the network benchmark: its own network
# namespace, a pid, and an OCI state for netns-hook.
#   container-stub.sh start PREFIX   # PREFIX.pid, PREFIX.json; returns once it runs
#   container-stub.sh stop PREFIX    # SIGKILL; returns once the process is reaped
# The process is a child of a shell that waits for it, so it is reaped at once when
# killed: the hook then finds it gone, as a poststop hook does.
set -eu
prefix=$2
case $1 in
start)
  rm -f "$prefix.ready"
  mkfifo "$prefix.ready"
  # unshare and the inner shell exec in turn: $$ there is the pid that sleeps.
  setsid sh -c "unshare --net sh -c 'echo \$\$ >$prefix.pid; echo ready >$prefix.ready; exec sleep infinity' & wait" \
    </dev/null >/dev/null 2>&1 &
  read -r _ <"$prefix.ready"
  rm -f "$prefix.ready"
  printf '{"ociVersion": "1.0.2", "id": "%s", "status": "creating", "pid": %s, "bundle": "%s"}\n' \
    "$(basename "$prefix")" "$(cat "$prefix.pid")" "$BUNDLE" >"$prefix.json"
  ;;
stop)
  pid=$(cat "$prefix.pid")
  kill -KILL "$pid"
  # Untimed; the waiting shell reaps it within microseconds.
  while kill -0 "$pid" 2>/dev/null; do :; done
  rm -f "$prefix.pid"  # the state stays for the poststop step
  ;;
esac

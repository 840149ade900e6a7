#!/bin/sh
# cgroup-gone.sh RT: fails, naming them, if /mini-runc-bench-RT is left in any hierarchy
# under /sys/fs/cgroup (bench/cgroup-case.sh runs it, untimed, after each timed run).
set -eu
left=
for dir in /sys/fs/cgroup/*/mini-runc-bench-"$1"; do
  if [ -e "$dir" ]; then left="$left $dir"; fi
done
[ -z "$left" ] || { echo "cgroup-gone: left after the run:$left" >&2; exit 1; }

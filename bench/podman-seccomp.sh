#!/usr/bin/env bash
# Writes bench/podman-seccomp.json: the linux.seccomp that the installed podman puts into a
# container's config.json with its defaults (its profile, /usr/share/containers/seccomp.json,
# turned into the runtime-spec's form for its default capabilities and this architecture),
# with podman's version beside it. bench/run.sh gives it to the cgroups + seccomp case.
# podman is given a throwaway root and a stand-in runtime that copies the bundle's
# config.json and fails, so no container runs (named crun: podman runs only crun with
# --cgroups disabled); --cgroups disabled and --network none, so the machine's cgroups and
# network are not touched (the profile is the same as with podman's cgroups). Run as root:
#   bench/podman-seccomp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "podman-seccomp: run as root" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/rootfs/bin"
cat >"$tmp/crun" <<RUNTIME
#!/bin/sh
while [ \$# -gt 0 ]; do
  case "\$1" in --bundle|-b) cp "\$2/config.json" "$tmp/config.json"; exit 1 ;; esac
  shift
done
exit 1
RUNTIME
chmod +x "$tmp/crun"
podman=(podman --root "$tmp/storage" --runroot "$tmp/run" --tmpdir "$tmp/tmp" --storage-driver vfs
        --cgroup-manager cgroupfs --events-backend none --runtime "$tmp/crun")
"${podman[@]}" create --name seccomp-gen --network none --cgroups disabled --rootfs "$tmp/rootfs" /bin/true >/dev/null
"${podman[@]}" init seccomp-gen >/dev/null 2>&1 || true  # the stand-in runtime fails, by design
"${podman[@]}" rm -f seccomp-gen >/dev/null
[ -s "$tmp/config.json" ] || { echo "podman-seccomp: podman never handed a bundle to the runtime" >&2; exit 1; }
jq --arg version "$(podman --version)" --arg debian "$(dpkg-query -W -f='${Version}' podman)" \
   --arg common "$(dpkg-query -W -f='${Version}' golang-github-containers-common)" \
   '{note: "linux.seccomp of a config.json written by \($version) (Debian \($debian), containers-common \($common)) with its defaults; regenerate with bench/podman-seccomp.sh", seccomp: .linux.seccomp}' \
   "$tmp/config.json" >bench/podman-seccomp.json
echo "podman-seccomp: bench/podman-seccomp.json, $(jq '[.seccomp.syscalls[].names[]] | length' bench/podman-seccomp.json) syscall names"

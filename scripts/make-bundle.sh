#!/bin/sh
# make-bundle.sh DIR [MINI_RUNC]: an OCI bundle with a busybox root filesystem.
#   DIR/rootfs: Debian's static busybox, its applet links, /etc/passwd and /etc/group,
#               and empty /proc /sys /dev /tmp for the mounts.
#   DIR/config.json: from `mini-runc spec` (MINI_RUNC, or mini-runc on PATH, or the one
#               scripts/build.sh made in build/release or build/test); without any, it fails.
set -eu

dir=${1:?usage: make-bundle.sh DIR [MINI_RUNC]}
runc=${2:-}
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "make-bundle.sh: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }

rootfs="$dir/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/tmp" \
         "$rootfs/root" "$rootfs/usr/bin" "$rootfs/sbin" "$rootfs/usr/sbin"
chmod 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
# `busybox --list-full` gives each applet with its usual directory (bin/ls, usr/bin/env).
"$busybox" --list-full | while read -r applet; do
  [ "$applet" = bin/busybox ] && continue
  mkdir -p "$rootfs/$(dirname "$applet")"
  ln -sf /bin/busybox "$rootfs/$applet"
done
cat > "$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$rootfs/etc/group" <<'GROUP'
root:x:0:
tty:x:5:
nogroup:x:65534:
GROUP

if [ -z "$runc" ]; then
  here=$(dirname "$0")
  if command -v mini-runc >/dev/null 2>&1; then runc=mini-runc
  else
    for built in "$here/../build/release/runtime/mini-runc" "$here/../build/test/runtime/mini-runc"; do
      if [ -x "$built" ]; then runc=$built; break; fi
    done
  fi
fi
rm -f "$dir/config.json"
if [ -n "$runc" ]; then
  "$runc" spec --bundle "$dir"
else
  echo "make-bundle.sh: mini-runc not found; run mini-runc spec --bundle $dir" >&2
  exit 1
fi

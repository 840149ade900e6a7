#!/bin/sh
# make-oci-image.sh LAYER_TAR NAME OUT_TAR: an OCI image layout (image-spec 1.0) in a tar
# archive, for `ctr images import` where no registry is reachable: one uncompressed layer
# (LAYER_TAR, e.g. the example rootfs of make-bundle.sh), its config (linux and the machine's architecture, sh),
# the manifest, index.json naming the image NAME (io.containerd.image.name, which ctr
# takes as the image's name) and oci-layout.
set -eu

layer=${1:?usage: make-oci-image.sh LAYER_TAR NAME OUT_TAR}
name=${2:?usage: make-oci-image.sh LAYER_TAR NAME OUT_TAR}
out=${3:?usage: make-oci-image.sh LAYER_TAR NAME OUT_TAR}

# Debian's names for amd64, arm64, ppc64el... are Go's (the OCI platform's) but for a few.
arch=$(dpkg --print-architecture)
case $arch in ppc64el) arch=ppc64le ;; i386) arch=386 ;; armhf|armel) arch=arm ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
blobs="$work/blobs/sha256"
mkdir -p "$blobs"

digest() { sha256sum "$1" | cut -d' ' -f1; }
size() { wc -c <"$1" | tr -d ' '; }
# Moves file $1 into the blobs by its digest and prints "digest size".
blob() {
  d=$(digest "$1")
  s=$(size "$1")
  mv "$1" "$blobs/$d"
  echo "$d $s"
}

cp "$layer" "$work/layer"
set -- $(blob "$work/layer")
layer_digest=$1 layer_size=$2

printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$arch" "$layer_digest" >"$work/config"
set -- $(blob "$work/config")
config_digest=$1 config_size=$2

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
  "$config_digest" "$config_size" "$layer_digest" "$layer_size" >"$work/manifest"
set -- $(blob "$work/manifest")
manifest_digest=$1 manifest_size=$2

printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"%s"}}]}' \
  "$manifest_digest" "$manifest_size" "$arch" "$name" >"$work/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$work/oci-layout"

tar -C "$work" -cf "$out.tmp" oci-layout index.json blobs
mv "$out.tmp" "$out"

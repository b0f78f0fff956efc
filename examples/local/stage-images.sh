#!/usr/bin/env bash
# Stages the images of the local release (examples/local/release.yaml, stage promote): kube-apiserver and
# kube-proxy, each a two-platform image (linux/amd64, linux/arm64) in its own OCI image layout folder, tagged with
# the version; one small layer per platform, byte for byte the same for the same version and SOURCE_DATE_EPOCH.
# Usage: stage-images.sh <version> <folder>  (writes <folder>/<image>/)
set -euo pipefail
version=${1:?usage: stage-images.sh <version> <folder>}
out=${2:?usage: stage-images.sh <version> <folder>}
epoch=${SOURCE_DATE_EPOCH:-1767225600}

blob() { # blob <layout> <file>: moves a file into the layout's blobs, prints "<hex> <size>"
  local hex size
  hex=$(sha256sum "$2" | cut -d' ' -f1)
  size=$(stat -c %s "$2")
  mkdir -p "$1/blobs/sha256"
  mv "$2" "$1/blobs/sha256/$hex"
  echo "$hex $size"
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for image in kube-apiserver kube-proxy; do
  layout="$out/$image"
  rm -rf "$layout"
  mkdir -p "$layout"
  manifests=()
  for arch in amd64 arm64; do
    root="$scratch/$image-$arch"
    mkdir -p "$root/usr/local/bin"
    printf '#!/bin/sh\necho "%s %s linux/%s"\n' "$image" "$version" "$arch" >"$root/usr/local/bin/$image"
    chmod 0755 "$root/usr/local/bin/$image"
    find "$root" -exec touch -h -d "@$epoch" {} +
    tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner -C "$root" -cf "$scratch/layer.tar" usr
    diff_id=$(sha256sum "$scratch/layer.tar" | cut -d' ' -f1)
    gzip -n -c "$scratch/layer.tar" >"$scratch/layer.tgz"
    read -r layer layer_size < <(blob "$layout" "$scratch/layer.tgz")
    printf '{"architecture":"%s","os":"linux","created":"%s","config":{"Entrypoint":["/usr/local/bin/%s"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
      "$arch" "$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)" "$image" "$diff_id" >"$scratch/config.json"
    read -r config config_size < <(blob "$layout" "$scratch/config.json")
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
      "$config" "$config_size" "$layer" "$layer_size" >"$scratch/manifest.json"
    read -r manifest manifest_size < <(blob "$layout" "$scratch/manifest.json")
    manifests+=("$(printf '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"}}' "$manifest" "$manifest_size" "$arch")")
  done
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s]}' \
    "$(IFS=,; echo "${manifests[*]}")" >"$scratch/index.json"
  read -r index index_size < <(blob "$layout" "$scratch/index.json")
  printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
    "$index" "$index_size" "$version" >"$layout/index.json"
done

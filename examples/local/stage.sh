#!/usr/bin/env bash
# Stages a small Kubernetes-shaped release tree, for the local release (examples/local/release.yaml) and for
# rehearsals of release-dispatch.yml: stand-in binaries for several os/arch pairs (shell scripts that print their
# name, version and platform, executable), the client and server tarballs and kubernetes.tar.gz, byte for byte the
# same for the same version and SOURCE_DATE_EPOCH. Usage: stage.sh <version> <folder>
set -euo pipefail
version=${1:?usage: stage.sh <version> <folder>}
out=${2:?usage: stage.sh <version> <folder>}
epoch=${SOURCE_DATE_EPOCH:-1767225600}

tgz() { # tgz <archive> <folder> <paths…>: a reproducible tarball
  local archive=$1 dir=$2
  shift 2
  tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner -C "$dir" -cf - "$@" | gzip -n >"$archive"
}

mkdir -p "$out"
for platform in linux/amd64 linux/arm64 darwin/arm64 windows/amd64; do
  os=${platform%/*} arch=${platform#*/}
  binaries=(kubectl)
  [ "$os" = linux ] && binaries+=(kubeadm kubelet)
  ext=
  [ "$os" = windows ] && ext=.exe
  for binary in "${binaries[@]}"; do
    file="$out/bin/$os/$arch/$binary$ext"
    mkdir -p "$(dirname "$file")"
    printf '#!/bin/sh\necho "%s %s %s"\n' "$binary" "$version" "$platform" >"$file"
    chmod 0755 "$file"
    touch -d "@$epoch" "$file"
  done
  tgz "$out/kubernetes-client-$os-$arch.tar.gz" "$out/bin/$os/$arch" "kubectl$ext"
done
for arch in amd64 arm64; do
  tgz "$out/kubernetes-server-linux-$arch.tar.gz" "$out/bin/linux/$arch" kubeadm kubelet
done
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
mkdir -p "$src/kubernetes"
printf '%s\n' "$version" >"$src/kubernetes/version"
touch -d "@$epoch" "$src/kubernetes/version" "$src/kubernetes"
tgz "$out/kubernetes.tar.gz" "$src" kubernetes

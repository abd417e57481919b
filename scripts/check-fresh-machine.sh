#!/usr/bin/env bash
# Usage (as root): scripts/check-fresh-machine.sh
# Checks the README's first steps on a fresh Debian machine, not on this one where the packages
# already are: makes a bare Debian root with debootstrap (only what the README asks a user to
# have: make and npm), copies the working tree into it, and there, as a normal user,
#   1. `make up` stops at once and prints the one command to run as root;
#   2. that command (as root) installs redis-server, PostgreSQL, HAProxy, Java and Maven;
#   3. `make up` (as the user) starts the platform, and the load balancer reports a gateway ready
#      (/readyz on its ops port); `make down` stops it.
# Takes about 15 minutes (debootstrap, apt, npm install, Kafka's jars). The base root is cached
# as a tarball in .stack/cache; the root itself is deleted at the end. Needs debootstrap
# (scripts/install-system-packages.sh images). Ports: SB_PORT_OFFSET (default 500).
set -euo pipefail
((EUID == 0)) || { echo "check-fresh-machine: run as root (debootstrap, chroot)" >&2; exit 1; }
repo="$(cd "$(dirname "$0")/.." && pwd)"
"$repo/scripts/install-system-packages.sh" images
offset="${SB_PORT_OFFSET:-500}"
suite=bookworm
mirror=http://deb.debian.org/debian
cache="$repo/.stack/cache/debootstrap"
tarball="$cache/$suite-minbase.tgz"
root="$(mktemp -d /var/tmp/switchboard-fresh.XXXXXX)"
chmod 755 "$root" # mktemp makes it 0700: the root of a machine is readable by its users
started=$SECONDS
step() { echo "check-fresh-machine [$((SECONDS - started)) s]: $*"; }

mounted=()
cleanup() {
  # The platform started inside the root, then the mounts, then the root itself.
  if [[ -x "$root/usr/bin/make" && -d "$root/home/dev/switchboard" ]]; then
    chroot --userspec=1000:1000 "$root" env HOME=/home/dev PATH=/usr/local/bin:/usr/bin:/bin \
      SB_PORT_OFFSET="$offset" make -C /home/dev/switchboard down >/dev/null 2>&1 || true
  fi
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" || true; done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT

mkdir -p "$cache"
if [[ ! -f "$tarball" ]]; then
  step "debootstrap --make-tarball $suite (first time only)"
  debootstrap --variant=minbase --make-tarball="$tarball.tmp" "$suite" "$root/work" "$mirror" >/dev/null
  mv "$tarball.tmp" "$tarball"
  rm -rf "$root/work"
fi
# The bare root with the README's prerequisites, cached: debootstrap and apt take minutes.
prereqs="$cache/$suite-minbase-make-npm.tgz"
if [[ -f "$prereqs" ]]; then
  step "bare $suite root with make and npm (cached: $prereqs)"
  tar -xzf "$prereqs" -C "$root"
else
  step "debootstrap $suite into $root"
  debootstrap --variant=minbase --unpack-tarball="$tarball" "$suite" "$root" "$mirror" >/dev/null
  step "the README's prerequisites only: make, npm (and git, ca-certificates for cloning)"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  chroot "$root" bash -c 'export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get install -y -q --no-install-recommends make npm git ca-certificates && apt-get clean' >/dev/null
  chroot "$root" useradd --create-home --uid 1000 --shell /bin/bash dev
  tar -czf "$prereqs.tmp" -C "$root" . && mv "$prereqs.tmp" "$prereqs"
fi
for m in proc sys dev dev/pts; do
  mkdir -p "$root/$m"
  mount --bind "/$m" "$root/$m"
  mounted+=("$root/$m")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
# This machine's own CAs (its egress proxy intercepts TLS): trusted in the root as on the host,
# so apt, npm and Maven (Java's store is made from the system CAs) reach their registries.
cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
chroot "$root" update-ca-certificates >/dev/null 2>&1 || true

step "a clone of the working tree (tracked and new files, nothing git ignores)"
git -C "$repo" ls-files -z --cached --others --exclude-standard |
  (cd "$repo" && xargs -0 tar -cf - --no-recursion --ignore-failed-read 2>/dev/null) |
  (mkdir -p "$root/home/dev/switchboard" && tar -xf - -C "$root/home/dev/switchboard")
chroot "$root" chown -R dev:dev /home/dev/switchboard

as_user() {
  chroot --userspec=1000:1000 "$root" env -i HOME=/home/dev USER=dev PATH=/usr/local/bin:/usr/bin:/bin \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt SB_PORT_OFFSET="$offset" bash -c "cd /home/dev/switchboard && $1"
}

step "1. make up as a user, without the system packages"
if out="$(as_user 'make up' 2>&1)"; then
  echo "$out" | tail -20
  echo "check-fresh-machine: FAIL: make up succeeded without redis-server/PostgreSQL/HAProxy/Java/Maven" >&2
  exit 1
fi
command="$(sed -n 's/^  sudo \(.*install-system-packages\.sh.*\)$/\1/p' <<<"$out")"
[[ -n "$command" ]] || {
  echo "$out" | tail -20
  echo "check-fresh-machine: FAIL: make up did not print the command to run as root" >&2
  exit 1
}
step "   stopped with: sudo $command"

step "2. that command, as root"
chroot "$root" bash -c "$command"
for tool in redis-server haproxy java mvn; do
  chroot "$root" bash -c "command -v $tool" >/dev/null || { echo "check-fresh-machine: FAIL: $tool not installed" >&2; exit 1; }
done

step "3. make up as the user"
as_user 'make up' 2>&1 | tail -15
# The balancer's ops port (stack/src/layout.ts loadBalancerOps): ready while a gateway is in rotation.
lb_ops=$((13080 + offset))
status="$(chroot "$root" bash -c "exec 3<>/dev/tcp/127.0.0.1/$lb_ops && printf 'GET /readyz HTTP/1.0\r\n\r\n' >&3 && head -1 <&3")"
[[ "$status" == *" 200 "* ]] || { echo "check-fresh-machine: FAIL: /readyz of the load balancer: $status" >&2; exit 1; }
as_user 'make status' 2>&1 | tail -12
as_user 'make down' >/dev/null 2>&1
step "PASS: make up on a fresh $suite root installs what it needs (as root) and a gateway is ready behind the load balancer (${status%$'\r'})"

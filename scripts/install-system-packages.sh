#!/usr/bin/env bash
# Usage: scripts/install-system-packages.sh [stack] [test] [cluster] [images] [all]
# Installs the Debian packages Switchboard needs that the machine lacks; does nothing when
# everything is there. `make up` asks for `stack`, `.ci/run` for `all`. The one installer both
# use, so a fresh machine gets the same packages either way.
#   stack    what `make up` runs: redis-server, PostgreSQL, HAProxy, Java 17 and Maven (Kafka)
#   test     what `make test` adds: setpriv, pip (Kubernetes schemas), Chromium (browser tests)
#   cluster  what `make test-cluster` adds: etcd (the control plane's store)
#   images   what `make images` adds: buildah and debootstrap (images without a Docker engine)
# As root it runs apt-get; otherwise it stops and prints the one command to run as root.
set -euo pipefail
groups=("${@:-stack}")
[[ " ${groups[*]} " == *" all "* ]] && groups=(stack test cluster images)

missing=()
need() { # need <package> <test command...>: the package when the test fails
  local package="$1"
  shift
  "$@" >/dev/null 2>&1 || missing+=("$package")
}
# Daemons live in /usr/sbin, which a normal user's PATH on Debian lacks.
has() { PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v "$1"; }
for group in "${groups[@]}"; do
  case "$group" in
    stack)
      need redis-server has redis-server
      need postgresql compgen -G '/usr/lib/postgresql/*/bin/initdb'
      need haproxy has haproxy
      need openjdk-17-jre-headless has java
      need maven has mvn
      ;;
    test)
      need util-linux has setpriv
      need python3-pip python3 -m pip --version
      # The web client's browser test drives Debian's Chromium through playwright-core.
      need chromium has chromium
      ;;
    cluster)
      need etcd-server has etcd
      ;;
    images)
      need buildah has buildah
      need debootstrap has debootstrap
      ;;
    *)
      echo "install-system-packages: unknown group '$group' (stack, test, cluster, images, all)" >&2
      exit 2
      ;;
  esac
done
((${#missing[@]})) || exit 0

if ! command -v apt-get >/dev/null; then
  echo "install-system-packages: missing ${missing[*]} (Debian package names); install them with your package manager" >&2
  exit 1
fi
if ((EUID != 0)); then
  echo "install-system-packages: missing ${missing[*]}. Install them once, as root:" >&2
  echo "  sudo $(cd "$(dirname "$0")" && pwd)/install-system-packages.sh ${groups[*]}" >&2
  exit 1
fi
echo "install-system-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2

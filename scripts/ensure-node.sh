#!/usr/bin/env bash
# Prints the bin folder of the Node.js 24 LTS that Switchboard runs on, installing it once into
# the stack cache from the npm registry (the node-linux-<arch> package ships the binary) when
# the machine's own node is another major version.
set -euo pipefail
want=24
if command -v node >/dev/null && [[ "$(node -p 'process.versions.node.split(".")[0]')" == "$want" ]]; then
  dirname "$(command -v node)"
  exit 0
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${SB_CACHE_DIR:-$root/.stack/cache}/node-$want"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "ensure-node: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
bin="$cache/node_modules/node-linux-$arch/bin"
if [[ ! -x "$bin/node" ]]; then
  echo "ensure-node: installing Node.js $want (node-linux-$arch) into $cache" >&2
  mkdir -p "$cache"
  npm install --silent --no-save --no-package-lock --prefix "$cache" "node-linux-$arch@$want" >&2
fi
echo "$bin"

#!/usr/bin/env bash
# Usage: scripts/ensure-kube-binaries.sh [--if-built] <kubernetes version, e.g. v1.37.2>
# Prints the folder holding kube-apiserver, kube-controller-manager, kube-scheduler and kubectl
# of that version, building them once into .stack/cache/bin/kube-<version>/. The module zip of
# k8s.io/kubernetes leaves out staging/, which its go.mod replaces every k8s.io/* library with,
# so `go install` refuses it: the binaries are built from a small wrapper module that requires
# k8s.io/kubernetes and replaces each staging module with its published v0.X release instead.
# A cold build takes minutes on two cores (the Go build cache makes a rebuild cheap).
# --if-built: never build; exit 3 when the binaries are not cached.
set -euo pipefail
if_built=false
if [[ "${1:-}" == --if-built ]]; then
  if_built=true
  shift
fi
version="${1:?usage: ensure-kube-binaries.sh [--if-built] <version, e.g. v1.37.2>}"
[[ "$version" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "ensure-kube-binaries: want v1.<minor>.<patch>, got '$version'" >&2; exit 2; }
minor="${BASH_REMATCH[1]}"
staging="v0.${minor}.${BASH_REMATCH[2]}"
commands=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${SB_CACHE_DIR:-$root/.stack/cache}/bin/kube-$version"
built() { for c in "${commands[@]}"; do [[ -x "$dir/$c" ]] || return 1; done; }
if built; then
  echo "$dir"
  exit 0
fi
$if_built && exit 3

command -v go >/dev/null || [[ ! -x /usr/local/go/bin/go ]] || PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "ensure-kube-binaries: go is not installed" >&2; exit 1; }
mkdir -p "$dir"
exec 9>"$dir.lock"
flock 9
if ! built; then
  echo "ensure-kube-binaries: building ${commands[*]} $version (first time only; minutes)" >&2
  gomod="$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  work="$dir/module"
  rm -rf "$work"
  mkdir -p "$work"
  {
    echo "module switchboard.local/kube-binaries"
    echo
    sed -n 's/^go \(.*\)$/go \1/p' "$gomod"
    echo
    echo "require k8s.io/kubernetes $version"
    echo
    # Every `k8s.io/x => ./staging/src/k8s.io/x` of kubernetes' go.mod, as its published release.
    sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/src/.*$#replace \1 => \1 '"$staging"'#p' "$gomod"
    echo
    for c in "${commands[@]}"; do echo "tool k8s.io/kubernetes/cmd/$c"; done
  } >"$work/go.mod"
  # The version the binaries report (/version): a chart's kubeVersion check reads it.
  pkg=k8s.io/component-base/version
  ldflags="-s -w -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  (
    cd "$work"
    export GOWORK=off GOFLAGS="-mod=mod -buildvcs=false"
    go mod tidy >&2
    for c in "${commands[@]}"; do
      CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dir/$c.tmp" "k8s.io/kubernetes/cmd/$c" >&2
      mv "$dir/$c.tmp" "$dir/$c"
    done
  )
fi
echo "$dir"

#!/usr/bin/env bash
# Usage: scripts/ensure-go-tool.sh [--if-built] <package>@<version>
#   e.g. scripts/ensure-go-tool.sh helm.sh/helm/v3/cmd/helm@v3.22.0
# Prints the path of the tool's binary, building it once with `go install` (through the Go
# module proxy) into .stack/cache/bin/<name>-<version>/. Later calls print the cached path at
# once. A binary of exactly that module version already on the machine (GOBIN, GOPATH/bin or
# PATH, checked with `go version -m`) is copied instead of rebuilt: a first build of helm or
# k6 takes minutes on two cores. Concurrent callers wait for one build (flock).
# Modules whose go.mod has replace directives (which `go install pkg@version` refuses, e.g.
# Prometheus for promtool) are built inside a copy of their downloaded module folder instead.
# --if-built: never build; exit 3 when the binary is neither cached nor reusable.
set -euo pipefail
if_built=false
if [[ "${1:-}" == --if-built ]]; then
  if_built=true
  shift
fi
spec="${1:?usage: ensure-go-tool.sh [--if-built] <package>@<version>}"
pkg="${spec%@*}"
version="${spec##*@}"
if [[ "$pkg" == "$spec" || -z "$version" || "$version" == latest ]]; then
  echo "ensure-go-tool: pin a version: <package>@<version> (got '$spec')" >&2
  exit 2
fi
# The binary is named after the last path element that is not a major-version suffix (/v3).
name="${pkg##*/}"
if [[ "$name" =~ ^v[0-9]+$ ]]; then
  rest="${pkg%/*}"
  name="${rest##*/}"
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${SB_CACHE_DIR:-$root/.stack/cache}/bin/$name-$version"
bin="$dir/$name"
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

# The official Go tarball's location, for shells whose PATH lacks it (non-login CI shells).
command -v go >/dev/null || [[ ! -x /usr/local/go/bin/go ]] || PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "ensure-go-tool: go is not installed (needed to build $spec)" >&2; exit 1; }
mkdir -p "$dir"
exec 9>"$dir.lock"
flock 9
if [[ ! -x "$bin" ]]; then
  # The module that holds the package, as `go version -m` reports it, to recognise a prebuilt one.
  candidates=()
  gobin="$(go env GOBIN)"
  [[ -n "$gobin" ]] && candidates+=("$gobin/$name")
  candidates+=("$(go env GOPATH | cut -d: -f1)/bin/$name")
  if found="$(command -v "$name" 2>/dev/null)"; then candidates+=("$found"); fi
  for candidate in "${candidates[@]}"; do
    [[ -x "$candidate" ]] || continue
    info="$(go version -m "$candidate" 2>/dev/null || true)"
    if awk -v p="$pkg" -v v="$version" '
      $1 == "path" && $2 == p { path = 1 }
      $1 == "mod" && $3 == v { mod = 1 }
      END { exit !(path && mod) }' <<<"$info"; then
      cp "$candidate" "$bin.tmp" && mv "$bin.tmp" "$bin"
      echo "ensure-go-tool: reusing $candidate ($spec)" >&2
      break
    fi
  done
fi
if [[ ! -x "$bin" ]] && $if_built; then
  exit 3
fi
if [[ ! -x "$bin" ]]; then
  echo "ensure-go-tool: building $spec with go install (first time only; may take minutes)" >&2
  log="$(mktemp)"
  trap 'rm -f "$log"' EXIT
  # Static binaries; the module and build caches make a rebuild cheap.
  if ! GOBIN="$dir" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -trimpath" go install "$spec" 2>"$log"; then
    cat "$log" >&2
    grep -q 'replace directives' "$log" || exit 1
    # The module that holds the package: the longest path prefix the proxy knows at $version.
    module="$pkg"
    until moddir="$(go mod download -json "$module@$version" 2>/dev/null | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" &&
      [[ -n "$moddir" ]]; do
      [[ "$module" == */* ]] || { echo "ensure-go-tool: no module found for $spec" >&2; exit 1; }
      module="${module%/*}"
    done
    echo "ensure-go-tool: building ${pkg#"$module"/} inside $module@$version (its go.mod has replace directives)" >&2
    src="$(mktemp -d)"
    trap 'rm -rf "$log" "$src"' EXIT
    cp -r "$moddir/." "$src"
    chmod -R u+w "$src"
    (cd "$src" && GOWORK=off CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" "./${pkg#"$module"/}") >&2
    mv "$bin.tmp" "$bin"
  fi
fi
echo "$bin"

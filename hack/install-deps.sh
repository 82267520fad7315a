#!/usr/bin/env bash
# Installs what tskube's tests, benchmarks and `tskube up` need on Debian 12, as root:
# containerd, runc, CNI plugins, nftables, iproute2, the test-image tools (busybox-static, umoci,
# skopeo, docker-registry, gcc + libc6-dev for the static pause binary), etcd, conntrack, iptables
# (the portmap CNI plugin calls it), and g++/make/python3 for npm packages built from source
# (better-sqlite3); then the npm dependencies.
# Idempotent and quiet when everything is there: apt-get update runs only when a package is missing,
# npm install only when node_modules is missing or older than package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  containerd runc containernetworking-plugins nftables iproute2 iptables conntrack
  busybox-static umoci skopeo docker-registry gcc libc6-dev
  etcd-server etcd-client
  g++ make python3
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing ${missing[*]}; run as root" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # --no-install-recommends keeps docker-registry and etcd from pulling in extras.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# better-sqlite3 builds from source; node-gyp must use the installed Node headers, never download them.
if [[ -z "$(npm config get nodedir 2>/dev/null | grep -v '^undefined$' || true)" && -f /usr/include/node/node.h ]]; then
  export npm_config_nodedir=/usr
fi

if [[ ! -d node_modules || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  # Not `npm ci`: the npm registry reachable here serves only this platform's builds of packages
  # with per-platform optional dependencies (rollup, esbuild), so the lock file cannot list the
  # others and `npm ci` refuses it as out of sync. `npm install` follows the lock file all the same.
  echo "install-deps: npm install"
  npm install --no-audit --no-fund --loglevel=error
fi

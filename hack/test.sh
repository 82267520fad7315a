#!/usr/bin/env bash
# Installs what is missing on this machine, then runs every check: lint, type-check, generated-code
# freshness, unit tests and integration tests against real containerd, runc, CNI plugins and kubectl.
# Needs root (containerd, network namespaces, cgroups).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $EUID -ne 0 ]]; then echo "hack/test.sh: run as root (integration tests start containerd)" >&2; exit 1; fi
bash hack/install-deps.sh
echo "== lint and type-check"
npm run --silent lint
echo "== generated CRI types"
npm run --silent proto:check
echo "== unit tests"
npm run --silent test:unit
echo "== integration tests"
npm run --silent test:integration

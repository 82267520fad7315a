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
mkdir -p .cache
rm -f .cache/unit.json .cache/integration.json
report() { echo "--reporter=default --reporter=json --outputFile.json=.cache/$1.json"; }
echo "== unit tests"
# shellcheck disable=SC2046
npm run --silent test:unit -- $(report unit)
echo "== integration tests"
# shellcheck disable=SC2046
npm run --silent test:integration -- $(report integration)
node -e '
  let passed = 0, failed = 0;
  for (const f of [".cache/unit.json", ".cache/integration.json"]) {
    const r = JSON.parse(require("fs").readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests;
  }
  console.log(`${passed} passed, ${failed} failed`);
'

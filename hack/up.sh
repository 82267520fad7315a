#!/usr/bin/env bash
# Installs what is missing, builds tskube, and runs `tskube up` on this machine (as root).
# Data dir: $TSKUBE_DATA_DIR or /var/lib/tskube. Extra arguments go to `tskube up`. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $EUID -ne 0 ]]; then echo "hack/up.sh: run as root" >&2; exit 1; fi
bash hack/install-deps.sh
npm run --silent build
exec node dist/cli/main.js up "$@"

#!/usr/bin/env bash
# Regenerates the TypeScript types of proto/cri/api.proto into src/cri/generated.
# With --check, fails when the checked-in types differ from what the proto generates.
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/cri/generated
gen() {
  npx --no-install proto-loader-gen-types --keepCase=false --longs=String --enums=String \
    --defaults --grpcLib=@grpc/grpc-js --includeComments=false --outDir="$1" proto/cri/api.proto >/dev/null
  # ESM (NodeNext) wants explicit extensions on relative imports.
  find "$1" -name '*.ts' -exec sed -i -E "s#(from '\.\.?/[^']+)';#\1.js';#" {} +
}
if [[ "${1:-}" == "--check" ]]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  gen "$tmp"
  if ! diff -r -q "$tmp" "$out" >/dev/null; then
    diff -r "$tmp" "$out" | head -40 >&2
    echo "proto-gen: $out is stale; run 'npm run proto:gen' and commit the result" >&2
    exit 1
  fi
  echo "proto-gen: generated types are up to date"
else
  rm -rf "$out"; gen "$out"
  echo "proto-gen: wrote $out"
fi

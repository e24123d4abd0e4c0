#!/usr/bin/env bash
# bench/run.sh: the benchmark harness behind `make bench`. Builds wsops and
# the harness, installs the aws CLI when it is missing (Debian's awscli, the
# baseline of the inventory scenario), and runs bench/main.go, which starts
# dynalite and a sandbox on loopback and writes bench/results.md and
# bench/results.json. BENCH_QUICK=1: small N, results in a temporary
# directory (the committed full-size results are left alone).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d tools/node/node_modules/dynalite ]; then
  echo "bench: dynalite is not installed; run: make tools" >&2
  exit 1
fi
if ! command -v aws >/dev/null; then
  echo "bench: installing the aws CLI (Debian awscli) for the inventory baseline" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq && $sudo apt-get install -y -qq awscli >/dev/null
fi
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -tags "${TAGS:-ferretdb_no_postgresql}" -o "$bin/wsops" .
go build -tags "${TAGS:-ferretdb_no_postgresql}" -o "$bin/wsops-bench" ./bench
"$bin/wsops-bench" -wsops "$bin/wsops" -root . "$@"

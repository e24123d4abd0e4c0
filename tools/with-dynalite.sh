#!/usr/bin/env bash
# with-dynalite.sh CMD [ARG...]: runs CMD with one in-memory dynalite on a free
# loopback port, exported as WSOPS_TEST_DYNALITE_URL, and stops it afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/node/node_modules/dynalite" ]; then
  echo "with-dynalite: dynalite is not installed; run: npm ci --prefix tools/node" >&2
  exit 1
fi
coproc DYNALITE { exec node "$here/node/start.js"; }
pid=$DYNALITE_PID
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
if ! read -r url <&"${DYNALITE[0]}"; then
  echo "with-dynalite: dynalite did not start" >&2
  exit 1
fi
export WSOPS_TEST_DYNALITE_URL="$url"
echo "with-dynalite: dynalite at $url"
"$@"

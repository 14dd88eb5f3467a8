#!/usr/bin/env bash
# The main job: installs what is missing, builds scimpp's examples in release
# mode and runs the SCIM bridge on its embedded SQLite database in the
# foreground (Ctrl-C stops it). Arguments are passed to `scim-bridge serve`,
# e.g. tools/run.sh --listen 0.0.0.0:3002 --data /var/lib/scim-bridge
# On first start it prints the SCIM URL and a bearer token (once).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/deps.sh core examples
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs" --target scim-bridge jumpcloud-sync
exec build/release/examples/bridge/scim-bridge serve "$@"

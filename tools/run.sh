#!/usr/bin/env bash
# The main job: installs what is missing, builds scimpp in release mode and
# runs the example programs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/deps.sh core examples
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
for example in build/release/examples/example_*; do
  [[ -x "$example" ]] || continue
  echo "== $(basename "$example")"
  "$example"
done

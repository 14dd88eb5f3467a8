#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages scimpp needs, skipping those already
# installed. Usage: tools/deps.sh [core] [examples] [asan] [fuzz] [bench] ...
set -euo pipefail

declare -A groups=(
  [core]="cmake g++ make pkg-config nlohmann-json3-dev libexpected-dev doctest-dev"
  [examples]="libcpp-httplib-dev libsqlite3-dev libssl-dev libcli11-dev curl openssl"
  [clang]="clang"
  [asan]="clang libclang-rt-14-dev"
  [fuzz]="clang libclang-rt-14-dev"
  [bench]="libbenchmark-dev python3 nodejs npm"
)

wanted=()
for g in "${@:-core}"; do
  if [[ -z "${groups[$g]+x}" ]]; then
    echo "deps.sh: unknown group '$g' (known: ${!groups[*]})" >&2
    exit 2
  fi
  read -r -a pkgs <<<"${groups[$g]}"
  wanted+=("${pkgs[@]}")
done

missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "deps.sh: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

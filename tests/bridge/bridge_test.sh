#!/usr/bin/env bash
# End-to-end tests of scim-bridge over real HTTP(S) with curl.
#   bash bridge_test.sh <path to scim-bridge> <case>
# Each test_<case> function is one ctest case ("bridge: <case>").
set -euo pipefail
BRIDGE=$1
CASE=$2
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_eq() { [[ "$1" == "$2" ]] || fail "$3: expected [$2], got [$1]"; }

# start_bridge DATA_DIR [flags...]: starts a bridge on a free port; sets PORT, URL, OUT.
start_bridge() {
  local data=$1; shift
  local scheme=http
  for a in "$@"; do [[ "$a" == "--tls-cert" ]] && scheme=https; done
  for attempt in 1 2 3 4 5; do
    PORT=$(( 20000 + RANDOM % 12000 ))  # below Linux's ephemeral ports (32768 on)
    OUT="$WORK/out.$PORT"
    "$BRIDGE" serve --listen "127.0.0.1:$PORT" --data "$data" "$@" >"$OUT" 2>"$WORK/err.$PORT" &
    local pid=$!
    for _ in $(seq 1 100); do
      if grep -q "serving SCIM" "$OUT" 2>/dev/null; then
        PIDS+=("$pid"); URL="$scheme://127.0.0.1:$PORT"; BRIDGE_PID=$pid; return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  cat "$WORK"/err.* >&2 || true
  fail "the bridge did not start"
}

token_from() { sed -n 's/.*store it now): //p' "$1"; }

# req METHOD PATH [BODY] -> sets STATUS and BODY (uses TOKEN, URL)
req() {
  local method=$1 path=$2 data=${3:-}
  local args=(-s -k -o "$WORK/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer ${TOKEN:-}")
  if [[ -n "$data" ]]; then args+=(-H 'Content-Type: application/scim+json' --data-binary "$data"); fi
  STATUS=$(curl "${args[@]}" "$URL$path")
  BODY=$(cat "$WORK/body")
}

user_json() { printf '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s"%s}' "$1" "${2:-}"; }

test_first_start_prints_token_and_requires_it() {
  start_bridge "$WORK/data"
  grep -q "serving SCIM at $URL/scim/v2 and $URL" "$OUT" || fail "no SCIM URL printed"
  TOKEN=$(token_from "$OUT")
  [[ ${#TOKEN} -eq 64 ]] || fail "token not printed"
  grep -q "$TOKEN" "$WORK/data/token.hash" && fail "the token itself was stored"
  req GET /scim/v2/Users; expect_eq "$STATUS" 200 "list with token"
  TOKEN=wrong req GET /scim/v2/Users; expect_eq "$STATUS" 401 "wrong token"
  [[ "$BODY" == *'"status":"401"'* ]] || fail "401 without SCIM error body"
  # A second start with the same directory does not print a token again.
  kill "$BRIDGE_PID"; wait "$BRIDGE_PID" 2>/dev/null || true
  start_bridge "$WORK/data"
  token_from "$OUT" | grep -q . && fail "token printed again"
  true
}

test_serves_root_and_base_path() {
  start_bridge "$WORK/data" --base-path /custom/v2
  TOKEN=$(token_from "$OUT")
  req POST /Users "$(user_json a@example.com)"; expect_eq "$STATUS" 201 "POST at root"
  req GET /custom/v2/Users/; expect_eq "$STATUS" 200 "GET under base path with trailing slash"
  [[ "$BODY" == *'"totalResults":1'* ]] || fail "user not listed: $BODY"
  req GET '/custom/v2/Users?filter=userName%20eq%20%22A@EXAMPLE.COM%22'; [[ "$BODY" == *'"totalResults":1'* ]] || fail "filter: $BODY"
  [[ "$BODY" == *"\"location\":\"$URL/custom/v2/Users/"* ]] || fail "meta.location: $BODY"
  req GET /ServiceProviderConfig; expect_eq "$STATUS" 200 "ServiceProviderConfig"
  req DELETE /Users; expect_eq "$STATUS" 405 "405"
  curl -s -k -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/plain' \
    --data 'x' "$URL/Users" | grep -q 415 || fail "415"
}

test_token_rotate_while_running() {
  start_bridge "$WORK/data"
  local old; old=$(token_from "$OUT")
  local new; new=$("$BRIDGE" token rotate --data "$WORK/data")
  [[ $(printf '%s\n' "$new" | wc -l) -eq 1 && ${#new} -eq 64 ]] || fail "rotate output: [$new]"
  TOKEN=$old req GET /Users; expect_eq "$STATUS" 401 "old token after rotation"
  TOKEN=$new req GET /Users; expect_eq "$STATUS" 200 "new token after rotation"
}

test_token_rotate_initialises_missing_directory() {
  local t; t=$("$BRIDGE" token rotate --data "$WORK/fresh/dir")
  [[ ${#t} -eq 64 ]] || fail "rotate on a missing directory"
  [[ -f "$WORK/fresh/dir/token.hash" ]] || fail "no token file"
  start_bridge "$WORK/fresh/dir"
  token_from "$OUT" | grep -q . && fail "a token was generated although rotate made one"
  TOKEN=$t req GET /Users; expect_eq "$STATUS" 200 "rotated token works"
}

test_users_confirm_while_running() {
  start_bridge "$WORK/data"
  TOKEN=$(token_from "$OUT")
  req POST /Users "$(user_json joiner@example.com)"; expect_eq "$STATUS" 201 "create"
  [[ "$BODY" == *'"state":"invited"'* ]] || fail "not invited: $BODY"
  local id; id=$(printf '%s' "$BODY" | sed 's/.*"id":"\([^"]*\)".*/\1/')
  "$BRIDGE" users confirm Joiner@Example.com --data "$WORK/data" >/dev/null || fail "confirm failed"
  req GET "/Users/$id"; [[ "$BODY" == *'"state":"active"'* ]] || fail "not active after confirm: $BODY"
  # Deactivation now suspends instead of removing.
  req PATCH "/Users/$id" '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}'
  expect_eq "$STATUS" 200 "deactivate"
  req GET "/Users/$id"; [[ "$BODY" == *'"state":"suspended"'* && "$BODY" == *'"active":false'* ]] || fail "not suspended: $BODY"
  "$BRIDGE" users confirm nobody@example.com --data "$WORK/data" 2>/dev/null && fail "confirming an unknown user succeeded"
  true
}

test_parallel_posts_one_user_name() {
  start_bridge "$WORK/data"
  TOKEN=$(token_from "$OUT")
  local pids=()
  for i in 1 2 3 4 5 6 7 8; do
    curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $TOKEN" \
      -H 'Content-Type: application/scim+json' --data-binary "$(user_json same@example.com)" "$URL/Users" >"$WORK/p$i" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  expect_eq "$(cat "$WORK"/p* | grep -c '^201$')" 1 "one 201"
  expect_eq "$(cat "$WORK"/p* | grep -c '^409$')" 7 "seven 409"
}

test_data_survives_restart() {
  start_bridge "$WORK/data"
  TOKEN=$(token_from "$OUT")
  req POST /Groups '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Persist"}'
  expect_eq "$STATUS" 201 "create group"
  kill "$BRIDGE_PID"; wait "$BRIDGE_PID" 2>/dev/null || true
  start_bridge "$WORK/data"
  req GET '/Groups?filter=displayName%20eq%20%22persist%22'; expect_eq "$STATUS" 200 "the old token after a restart"
  [[ "$BODY" == *'"totalResults":1'* ]] || fail "lost: $BODY"
  local old=$TOKEN
  TOKEN=$("$BRIDGE" token rotate --data "$WORK/data")
  req GET /Groups; expect_eq "$STATUS" 200 "the rotated token"
  TOKEN=$old req GET /Groups; expect_eq "$STATUS" 401 "the old token after rotation"
}

test_generic_policy_and_auto_confirm() {
  start_bridge "$WORK/g" --policy generic
  TOKEN=$(token_from "$OUT")
  req POST /Users "$(user_json not-an-email)"; expect_eq "$STATUS" 201 "generic accepts any userName"
  req POST /Groups '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Owners"}'
  expect_eq "$STATUS" 201 "generic has no protected groups"
  start_bridge "$WORK/o" --auto-confirm
  TOKEN=$(token_from "$OUT")
  req POST /Users "$(user_json not-an-email)"; expect_eq "$STATUS" 400 "1Password needs an email"
  req POST /Users "$(user_json b@example.com)"; [[ "$BODY" == *'"state":"active"'* ]] || fail "auto-confirm: $BODY"
}

test_https_with_certificate() {
  command -v openssl >/dev/null || { echo "openssl not installed"; exit 77; }
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 1 \
    -subj "/CN=127.0.0.1" >/dev/null 2>&1
  start_bridge "$WORK/data" --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
  TOKEN=$(token_from "$OUT")
  req GET /scim/v2/ServiceProviderConfig; expect_eq "$STATUS" 200 "HTTPS"
  curl -s -o /dev/null "http://127.0.0.1:$PORT/Users" && fail "plain HTTP answered on the TLS port"
  true
}

test_port_in_use() {
  start_bridge "$WORK/a"
  TOKEN=$(token_from "$OUT")
  local rc=0
  timeout 10 "$BRIDGE" serve --listen "127.0.0.1:$PORT" --data "$WORK/b" >"$WORK/second.out" 2>"$WORK/second.err" || rc=$?
  [[ $rc -ne 0 && $rc -ne 124 ]] || fail "a second bridge on port $PORT in use did not fail (rc $rc)"
  grep -q "cannot listen on 127.0.0.1:$PORT" "$WORK/second.err" || fail "no error: $(cat "$WORK/second.err")"
  for _ in 1 2 3 4 5 6 7 8; do
    req GET /Users; expect_eq "$STATUS" 200 "the first bridge answers every request"
  done
  # The second bridge's token was never shown: its next start prints one.
  start_bridge "$WORK/b"
  TOKEN=$(token_from "$OUT")
  [[ -n $TOKEN ]] || fail "no token printed after a start that could not listen"
  req GET /Users; expect_eq "$STATUS" 200 "the token printed after a failed start"
}

test_ping_health_and_security() {
  start_bridge "$WORK/data"
  TOKEN=$(token_from "$OUT")
  expect_eq "$(curl -s "$URL/ping")" pong "/ping without a token"
  TOKEN= req GET /health; expect_eq "$STATUS" 401 "/health needs the token"
  req GET /health; expect_eq "$STATUS" 200 "/health"
  for k in build version reports retrievedAt '"state":"healthy"' '"source":"database"'; do
    [[ "$BODY" == *"$k"* ]] || fail "/health lacks $k: $BODY"
  done
  # Nothing else answers without the token.
  for p in /Users /scim/v2/Groups /ServiceProviderConfig /Schemas /ResourceTypes /Bulk /Me /health /nope; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$URL$p")
    expect_eq "$code" 401 "unauthenticated GET $p"
  done
  req POST /Users "$(user_json secret.person@example.com ',"password":"pa55word!"')"; expect_eq "$STATUS" 201 "create"
  req GET '/Users?filter=userName%20eq%20%22secret.person@example.com%22'; expect_eq "$STATUS" 200 "lookup"
  kill "$BRIDGE_PID"; wait "$BRIDGE_PID" 2>/dev/null || true
  local logs; logs=$(cat "$WORK"/err.*)
  [[ "$logs" == *'"method":"GET"'* && "$logs" == *'"latency_us"'* && "$logs" == *'"request"'* ]] || fail "no request log lines"
  [[ "$logs" == *"$TOKEN"* ]] && fail "the token is in the logs"
  [[ "$logs" == *"secret.person"* ]] && fail "an email address is in the logs"
  [[ "$logs" == *"pa55word"* ]] && fail "a password is in the logs"
  grep -rq "$TOKEN" "$WORK/data" && fail "the data directory holds the token"
  grep -rqa "pa55word" "$WORK/data" && fail "the data directory holds the password"
  true
}

test_jumpcloud_sync_example_directory() {
  local sync; sync="$(dirname "$BRIDGE")/../sync/jumpcloud-sync"
  [[ -x "$sync" ]] || fail "jumpcloud-sync not built next to scim-bridge"
  start_bridge "$WORK/data"
  TOKEN=$(token_from "$OUT")
  local dir="$(dirname "$0")/../../examples/data/jumpcloud-directory.json"
  JUMPCLOUD_SYNC_TOKEN=$TOKEN "$sync" sync --url "$URL" --state "$WORK/state.json" "$dir" >"$WORK/events1" \
    || fail "first sync failed: $(cat "$WORK/events1")"
  expect_eq "$(grep -c '"event":"user_create_provision","jumpcloudId"' "$WORK/events1")" 5 "users created"
  expect_eq "$(grep -c '"event":"group_create_provision"' "$WORK/events1")" 2 "groups created"
  req GET '/scim/v2/Users?filter=userName%20eq%20%22grace.hopper@example.com%22'
  [[ "$BODY" == *'"displayName":"Grace Hopper"'* && "$BODY" == *'"state":"invited"'* ]] || fail "grace: $BODY"
  req GET '/Users?filter=userName%20eq%20%22ken.thompson@example.com%22'
  [[ "$BODY" == *'"totalResults":0'* ]] || fail "suspended ken was provisioned"
  req GET '/Groups?filter=displayName%20eq%20%22Empty%20Group%22'; [[ "$BODY" == *'"totalResults":0'* ]] || fail "empty group created"
  req GET '/Groups?filter=displayName%20eq%20%22Operations%22'
  [[ "$(printf '%s' "$BODY" | grep -o '"value"' | wc -l)" -eq 2 ]] || fail "Operations members: $BODY"
  "$BRIDGE" users confirm edsger.dijkstra@example.com --data "$WORK/data" >/dev/null || fail "confirm"

  # The directory changes: Engineering renamed, Ada (invited) suspended, Edsger
  # (confirmed) loses Operations, which is deleted.
  cat >"$WORK/dir2.json" <<'JSON'
{"group_management": true,
 "users": [
  {"id": "jc-u-001", "email": "ada.lovelace@example.com", "firstname": "Ada", "lastname": "Lovelace", "suspended": true},
  {"id": "jc-u-002", "email": "alan.turing@example.com", "firstname": "Alan", "lastname": "Turing"},
  {"id": "jc-u-003", "email": "grace.hopper@example.com", "firstname": "Grace", "lastname": "Hopper"},
  {"id": "jc-u-004", "email": "edsger.dijkstra@example.com", "firstname": "Edsger", "lastname": "Dijkstra"},
  {"id": "jc-u-007", "email": "margaret.hamilton@example.com", "firstname": "Margaret", "lastname": ""}],
 "groups": [
  {"id": "jc-g-eng", "name": "Research", "member_ids": ["jc-u-001", "jc-u-002", "jc-u-003"]}],
 "bound_group_ids": ["jc-g-eng"],
 "bound_user_ids": ["jc-u-007"]}
JSON
  JUMPCLOUD_SYNC_TOKEN=$TOKEN "$sync" sync --url "$URL/scim/v2" --state "$WORK/state.json" "$WORK/dir2.json" >"$WORK/events2" \
    || fail "second sync failed: $(cat "$WORK/events2")"
  req GET '/Users?filter=userName%20eq%20%22ada.lovelace@example.com%22'
  [[ "$BODY" == *'"totalResults":0'* ]] || fail "invited ada not removed: $BODY"
  req GET '/Users?filter=userName%20eq%20%22edsger.dijkstra@example.com%22'
  [[ "$BODY" == *'"state":"suspended"'* && "$BODY" == *'"active":false'* ]] || fail "edsger not suspended: $BODY"
  req GET '/Groups?filter=displayName%20eq%20%22Research%22'; [[ "$BODY" == *'"totalResults":1'* ]] || fail "rename: $BODY"
  req GET '/Groups?filter=displayName%20eq%20%22Operations%22'; [[ "$BODY" == *'"totalResults":0'* ]] || fail "Operations not deleted"
  JUMPCLOUD_SYNC_TOKEN=$TOKEN "$sync" import --url "$URL" "$WORK/dir2.json" >"$WORK/import"
  expect_eq "$(grep -c '"status":"Imported"' "$WORK/import")" 4 "imported users"
}

test_durability_after_kill_9() {
  start_bridge "$WORK/data"
  TOKEN=$(token_from "$OUT")
  local pids=()
  for w in 1 2 3 4 5 6; do
    (
      for i in $(seq 1 400); do
        name="w$w-$i@example.com"
        code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
          -H 'Content-Type: application/scim+json' --data-binary "$(user_json "$name")" "$URL/Users" || true)
        [[ "$code" == 201 ]] && echo "$name" >>"$WORK/acked.$w"
      done
    ) &
    pids+=($!)
  done
  sleep 1.5
  kill -9 "$BRIDGE_PID"
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  local acked; acked=$(cat "$WORK"/acked.* 2>/dev/null | wc -l)
  [[ $acked -gt 0 ]] || fail "no write was acknowledged before the kill"
  start_bridge "$WORK/data"
  req GET '/Users?count=0'; expect_eq "$STATUS" 200 "the database opens after kill -9"
  local total; total=$(printf '%s' "$BODY" | sed 's/.*"totalResults":\([0-9]*\).*/\1/')
  [[ $total -ge $acked ]] || fail "only $total users for $acked acknowledged writes"
  : >"$WORK/present"
  for ((start = 1; start <= total; start += 1000)); do
    req GET "/Users?attributes=userName&count=1000&startIndex=$start"
    printf '%s' "$BODY" | grep -o '"userName":"[^"]*"' | sed 's/"userName":"\(.*\)"/\1/' >>"$WORK/present"
  done
  local missing; missing=$(cat "$WORK"/acked.* | sort -u | comm -23 - <(sort -u "$WORK/present") | wc -l)
  expect_eq "$missing" 0 "acknowledged writes missing after restart"
}

declare -F "test_$CASE" >/dev/null || fail "unknown case $CASE"
"test_$CASE"
echo "ok: $CASE"

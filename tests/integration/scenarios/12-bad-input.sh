#!/bin/bash
# Bad input over the real socket: each malformed request (payload, framing, size,
# method, path, content type, headers) gets the documented 4xx, is journaled as a
# rejection (MESSAGE_ID e6caf8bd…) at warning, decides and launches nothing, and the
# same service process keeps answering good requests: no crash, no restart.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/common.sh
source "$(dirname "$0")/../data/common.sh"

container_boot badinput
container_install "${HARNESS_BUILD_DIR:?set by run.sh BUILD_DIR}"
it_stage

rejected_id=e6caf8bd9ec34ddcbc99946acc4f5e9a
decision_id=fc08a64e5a85443ca51cf082462da06a
max_body=262144   # large enough for 100000 '[' to reach the parser
it_write /etc/self-heal/self-heal.conf <<EOF
[Server]
IdleTimeoutSec=10min
MaxBodyBytes=256K
[Metrics]
TextfilePath=
EOF
assert_ok in_container self-heal check
assert_ok in_container systemctl enable --now self-heal.socket
good=$CT_FIXTURES/21-latency-probe-firing.json

reply=$(it_post "$good")
assert_eq 200 "${reply%% *}" "a good POST starts the service: 200"
pid=$(it_prop self-heal.service MainPID) inv=$(it_prop self-heal.service InvocationID)

# One case a line: case, acceptable statuses, status, error, client port, the good
# request after it (status, error). See data/bad_input.py for the requests.
results=$(in_container python3 "$CT_DATA/bad_input.py" "$CT_DATA/bad-input" "$good" "$max_body")
rows=$(it_fields case want status error port good_status good_error <<<"$results")
assert_that "at least 20 malformed requests sent ($(grep -c . <<<"$rows"))" test "$(grep -c . <<<"$rows")" -ge 20

# journald makes entries visible within milliseconds: wait for the decision on
# the very last (good) request.
last_good=$(tail -n 1 <<<"$results" | it_fields good_port)
last_decided() { it_journal "MESSAGE_ID=$decision_id" "SELF_HEAL_REMOTE=127.0.0.1:$last_good" | grep -q .; }
wait_until 3 last_decided
journal=$(it_journal -t self-heal "MESSAGE_ID=$rejected_id" \
  | it_fields SELF_HEAL_REMOTE PRIORITY SELF_HEAL_HTTP_STATUS SELF_HEAL_REASON)
decided_from=$(it_journal -t self-heal "MESSAGE_ID=$decision_id" | it_fields SELF_HEAL_REMOTE)

while IFS=$'\t' read -r -u 3 name want status error port good_status good_error; do
  [[ -n $name ]] || continue
  [[ $error == null ]] && error=''
  [[ $good_error == null ]] && good_error=''
  # shellcheck disable=SC2016 # $1 $2 are the inner shell's
  assert_that "$name: answered $status, expected ${want//|/ or }${error:+ ($error)}" \
    bash -c '[[ "|$1|" == *"|$2|"* ]]' _ "$want" "$status"
  entry=$(awk -F'\t' -v r="127.0.0.1:$port" '$1 == r' <<<"$journal")
  assert_eq 1 "$(grep -c . <<<"$entry")" "$name: one rejection journaled for its connection (SELF_HEAL_REMOTE)"
  if [[ -n $entry ]]; then
    IFS=$'\t' read -r _ prio jstatus reason <<<"$(head -n 1 <<<"$entry")"
    assert_eq "4 $status" "$prio $jstatus" "$name: journaled at warning (4) with SELF_HEAL_HTTP_STATUS=$status (reason: $reason)"
  fi
  # shellcheck disable=SC2016
  assert_that "$name: nothing decided for it" bash -c '! grep -qx "$1" <<<"$2"' _ "127.0.0.1:$port" "$decided_from"
  assert_eq 200 "$good_status" "$name: the next good POST still gets 200${good_error:+ ($good_error)}"
done 3<<<"$rows"

# --- the same process survived all of it -------------------------------------------
assert_eq "active $pid $inv 0" \
  "$(it_prop self-heal.service ActiveState) $(it_prop self-heal.service MainPID) $(it_prop self-heal.service InvocationID) $(it_prop self-heal.service NRestarts)" \
  "same process ($pid), same invocation, still active, NRestarts=0"
assert_eq "$pid" "$(it_self_heal_pids)" "no other self-heal process appeared"
assert_eq "" "$(it_journal | it_fields MESSAGE | grep -iE 'dumped core|segfault|SIGSEGV|SIGABRT|SIGSYS|core-dump')" \
  "no crash or core dump in the journal"
assert_eq "" "$(it_journal -t self-heal -p err | it_fields MESSAGE)" "no self-heal entry at err or worse"

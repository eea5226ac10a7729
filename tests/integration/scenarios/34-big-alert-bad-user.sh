#!/bin/bash
# Nothing before the handler's exec may lose its result (issue 11). (a) A legal alert
# with ~140 KB of annotations (each under the 64 KiB cap) used to make
# SELF_HEAL_ALERT_JSON one string over exec's 128 KiB: the handler and its ExecStopPost=
# recorder both failed with E2BIG. Now the handler runs, gets the whole alert on stdin,
# and its result is recorded. (b) A handler with User=nosuchuser (installed bypassing
# check) used to fail at step USER, its recorder too: status said "running" and the
# next notification was journaled as "self-heal was stopped in between". Now serve
# refuses the launch and records it failed; the next notification says nothing false.
# (c) `self-heal check` refuses that User=. (d) A missing Exec= binary is recorded
# failed by the recorder (203/EXEC).
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"

it_boot bigalert

it_conf <<'EOF2'
[Policy]
DedupWindowSec=1s
EOF2
out_dir=/var/lib/self-heal-test/out
{ mkdir -p "$CT_ROOT$out_dir" && chmod 0777 "$CT_ROOT$out_dir"; } || die "cannot make $out_dir"
it_handler big <<EOF2
[Match]
AlertName=BigAlert
Instance=big-1
[Run]
Exec=$IT_BIN/stdin-handler $out_dir/alert.json
User=healer
TimeoutSec=30
EOF2
it_handler missing <<EOF2
[Match]
AlertName=MissingBinary
Instance=gone-1
[Run]
Exec=$IT_BIN/no-such-handler
User=healer
TimeoutSec=30
EOF2
assert_ok in_container self-heal check

# --- (a) 140 KB of annotations, each under the cap --------------------------------
payload=$(it_payload --alertname BigAlert --instance big-1 | jq -c '
  .alerts[0].annotations += ({} | .note_a = ("a" * 35000) | .note_b = ("b" * 35000)
                                | .note_c = ("c" * 35000) | .note_d = ("d" * 35000))')
fp=$(jq -r '.alerts[0].fingerprint' <<<"$payload")
diag "payload: $(printf '%s' "$payload" | wc -c) bytes; largest annotation 35000 bytes"
t0=$EPOCHREALTIME
answer=$(it_post "$payload")
assert_eq launch "$(it_decisions "$answer")" "the big alert is decided 'launch'"
assert_that "the big alert's result is journaled" \
  it_wait_count 1 15 "MESSAGE_ID=$MSG_RESULT" "SELF_HEAL_FINGERPRINT=$fp"
diag "POST -> result journaled: $(_elapsed "$t0") s"
result=$(it_journal "MESSAGE_ID=$MSG_RESULT" "SELF_HEAL_FINGERPRINT=$fp")
assert_eq "done success 0" \
  "$(it_field "$result" SELF_HEAL_RESULT) $(it_field "$result" SELF_HEAL_SERVICE_RESULT) $(it_field "$result" SELF_HEAL_EXIT_STATUS)" \
  "the handler ran and exited 0; the recorder recorded it"
want=$(jq -cS '.alerts[0] | {status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint}' <<<"$payload")
got=$(jq -cS . "$CT_ROOT$out_dir/alert.json" 2>&1)
diag "handler's stdin: $(wc -c <"$CT_ROOT$out_dir/alert.json") bytes"
assert_that "the handler saw the full alert JSON on stdin" test "$want" == "$got"
names=$(cat "$CT_ROOT$out_dir/alert.json.env" 2>&1)
assert_not_contains "$names" "SELF_HEAL_ALERT_JSON" "SELF_HEAL_ALERT_JSON over 64 KiB is left out of the environment"
assert_contains "$names" "SELF_HEAL_OMITTED" "SELF_HEAL_OMITTED says something was left out"
assert_contains "$names" "SELF_HEAL_ANNOTATION_NOTE_D" "annotations that fit are still in the environment"
handler_says=$(it_field "$(it_journal "SELF_HEAL_FINGERPRINT=$fp" "_SYSTEMD_UNIT=$(it_unit big big-1)")" MESSAGE)
assert_contains "$handler_says" "SELF_HEAL_OMITTED=1" "exactly one variable (SELF_HEAL_ALERT_JSON) was left out"
assert_eq "done null" "$(it_status_field big big-1 last_result) $(it_status_field big big-1 running_unit)" \
  "status: done, nothing running"

# --- (b) User=nosuchuser, installed bypassing check -------------------------------
it_handler baduser <<EOF2
[Match]
AlertName=BadUser
Instance=bad-1
[Run]
Exec=$IT_BIN/test-handler 0
User=nosuchuser
TimeoutSec=30
[Limit]
MaxAttempts=3
Window=1h
EOF2
# serve loaded its config when (a) started it; the socket starts it again, reading this.
in_container systemctl stop self-heal.service 2>/dev/null
bad_fp=$(it_payload --alertname BadUser --instance bad-1 | jq -r '.alerts[0].fingerprint')
answer=$(it_post "$(it_payload --alertname BadUser --instance bad-1)")
assert_eq launch "$(it_decisions "$answer")" "the bad-user alert is decided 'launch' (it counts)"
assert_that "its failed result is journaled" \
  it_wait_count 1 10 "MESSAGE_ID=$MSG_RESULT" "SELF_HEAL_FINGERPRINT=$bad_fp"
bad=$(it_journal "MESSAGE_ID=$MSG_RESULT" "SELF_HEAL_FINGERPRINT=$bad_fp")
assert_eq "failed launch-refused" \
  "$(it_field "$bad" SELF_HEAL_RESULT) $(it_field "$bad" SELF_HEAL_SERVICE_RESULT)" \
  "result: failed, launch-refused"
refusal=$(it_field "$(it_journal SELF_HEAL_FINGERPRINT="$bad_fp" SELF_HEAL_UNIT="$(it_unit baduser bad-1)" PRIORITY=3)" MESSAGE)
assert_contains "$refusal" "User=nosuchuser does not exist on this host" "the journal says why"
assert_eq "failed null 1" \
  "$(it_status_field baduser bad-1 last_result) $(it_status_field baduser bad-1 running_unit) $(it_status_field baduser bad-1 attempts_in_window)" \
  "status: failed, not running, one attempt used"
sleep 1.1  # past DedupWindowSec=1s: a new notification, not a duplicate
answer=$(it_post "$(it_payload --alertname BadUser --instance bad-1 --starts 60)")
assert_eq launch "$(it_decisions "$answer")" "the next notification is decided 'launch' again"
assert_that "its result is journaled too" \
  it_wait_count 2 10 "MESSAGE_ID=$MSG_RESULT" "SELF_HEAL_FINGERPRINT=$bad_fp"
assert_eq 0 "$(in_container journalctl --no-pager -t self-heal | grep -c 'stopped in between')" \
  "nothing is journaled as 'self-heal was stopped in between'"
assert_eq "not-found" "$(in_container systemctl show -p LoadState --value "$(it_unit baduser bad-1)")" \
  "no unit was ever made for it"

# --- (c) check refuses it ---------------------------------------------------------
check_out=$(in_container self-heal check 2>&1); check_rc=$?
assert_eq 1 "$check_rc" "self-heal check fails"
assert_contains "$check_out" "/etc/self-heal/handlers.d/baduser.conf: User=nosuchuser: no such user on this host" \
  "check names the file and the key"

# --- (d) a missing binary: the recorder still records it ---------------------------
miss_fp=$(it_payload --alertname MissingBinary --instance gone-1 | jq -r '.alerts[0].fingerprint')
answer=$(it_post "$(it_payload --alertname MissingBinary --instance gone-1)")
assert_eq launch "$(it_decisions "$answer")" "the missing-binary alert is decided 'launch'"
assert_that "its result is journaled" \
  it_wait_count 1 10 "MESSAGE_ID=$MSG_RESULT" "SELF_HEAL_FINGERPRINT=$miss_fp"
miss=$(it_journal "MESSAGE_ID=$MSG_RESULT" "SELF_HEAL_FINGERPRINT=$miss_fp")
assert_eq "failed 203" "$(it_field "$miss" SELF_HEAL_RESULT) $(it_field "$miss" SELF_HEAL_EXIT_STATUS)" \
  "result: failed, exit 203 (EXEC)"
assert_eq "failed null" "$(it_status_field missing gone-1 last_result) $(it_status_field missing gone-1 running_unit)" \
  "status: failed, nothing running"

it_assert_no_orphans

#!/bin/bash
# A firing alert runs its handler as a transient unit, as the configured user, with the
# alert in its environment; `journalctl SELF_HEAL_FINGERPRINT=` tells the story in
# order (receipt, decision, the handler's own lines, the result); status shows it done,
# awaiting its resolve, and healed once the resolved notification arrives. Then
# measures, median of 20 inside the container: POST -> the handler's first journal
# line, and the cost of a launch beside a no-handler POST and `systemd-run --no-block true`.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"

it_boot runs

it_conf <<'EOF'
[Policy]
DedupWindowSec=1s
EOF
it_handler disk <<EOF
[Match]
AlertName=DiskSpaceLow
Instance=web-1:9100
[Run]
Exec=$IT_BIN/test-handler 0
User=healer
TimeoutSec=30
Mode=run
EOF
instances=$(for i in $(seq 0 19); do printf 'm-%02d ' "$i"; done)
it_handler measure <<EOF
[Match]
AlertName=Measure
Instance=$instances
[Run]
Exec=$IT_BIN/test-handler 0
TimeoutSec=30
EOF
assert_ok in_container self-heal check

# --- one real payload (captured from Alertmanager 0.25) ---------------------------
host_fixture=$(dirname "$0")/../../fixtures/alertmanager/01-single-firing.json
[[ -f $host_fixture ]] || die "fixture missing: $host_fixture"
fixture=/var/lib/self-heal-test/01-single-firing.json   # copied into the container's root
cp "$host_fixture" "$CT_ROOT$fixture" || die "cannot copy $host_fixture into the container"
fp=$(jq -r '.alerts[0].fingerprint' "$host_fixture")
instance=$(jq -r '.alerts[0].labels.instance' "$host_fixture")
unit=$(it_unit disk "$instance")
answer=$(container_curl --fail-with-body -X POST -H 'Content-Type: application/json' \
  --data-binary "@$fixture" http://127.0.0.1:9095/)
assert_eq launch "$(it_decisions "$answer")" "the fixture alert is decided 'launch'"
assert_that "the handler's result is journaled" \
  it_wait_count 1 15 "MESSAGE_ID=$MSG_RESULT" "SELF_HEAL_FINGERPRINT=$fp"

story=$(it_journal "SELF_HEAL_FINGERPRINT=$fp")
# Each entry as a kind, in journal order; consecutive handler lines collapsed.
kinds=$(jq -r --arg d "$MSG_DECISION" --arg r "$MSG_RESULT" --arg u "$unit" --arg rcv "$MSG_RECEIVED" '
  def one(f): if type == "array" then .[0] else . end;
  if .MESSAGE_ID == $rcv then "receipt"
  elif .MESSAGE_ID == $d then "decision:" + (.SELF_HEAL_DECISION | one(.))
  elif .MESSAGE_ID == $r then "result"
  elif .MESSAGE_ID == null and ._SYSTEMD_UNIT == $u then "handler"
  else "other:" + (.MESSAGE_ID // "-") + ":" + (._SYSTEMD_UNIT // "-") end' <<<"$story" | uniq | paste -sd' ')
diag "journal story of $fp: $kinds"
assert_eq "receipt decision:launch handler result" "$kinds" \
  "journalctl SELF_HEAL_FINGERPRINT=$fp: receipt, decision, handler output, result, in that order"

handler_lines=$(jq -c --arg u "$unit" 'select(.MESSAGE_ID == null and ._SYSTEMD_UNIT == $u)' <<<"$story")
messages=$(it_field "$handler_lines" MESSAGE)
assert_contains "$messages" "self-heal-test user=healer" "the handler runs as healer"
for want in "SELF_HEAL_ALERTNAME=DiskSpaceLow" "SELF_HEAL_INSTANCE=$instance" \
            "SELF_HEAL_FINGERPRINT=$fp" "SELF_HEAL_ATTEMPT=1" "SELF_HEAL_HANDLER=disk" \
            "SELF_HEAL_STATUS=firing" "SELF_HEAL_LABEL_MOUNTPOINT=/var" \
            "SELF_HEAL_LABEL_JOB=selfheal-probe" "SELF_HEAL_LABEL_SEVERITY=warning" \
            "SELF_HEAL_ANNOTATION_SUMMARY=Disk space low on web-1:9100" \
            "SELF_HEAL_ANNOTATION_DESCRIPTION=Only 5% free on /var of web-1:9100." \
            "SELF_HEAL_STARTS_AT=2026-11-22T01:25:02.807Z"; do
  assert_contains "$messages" "self-heal-test env $want" "handler environment has $want"
done
alert_json=$(sed -n 's/^self-heal-test env SELF_HEAL_ALERT_JSON=//p' <<<"$messages")
assert_eq "$fp /var firing" "$(jq -r '"\(.fingerprint) \(.labels.mountpoint) \(.status)"' <<<"$alert_json" 2>&1)" \
  "SELF_HEAL_ALERT_JSON is the alert as JSON"
assert_eq "$(jq -c '.alerts[0].labels' "$host_fixture")" "$(jq -c '.labels' <<<"$alert_json" 2>&1)" \
  "SELF_HEAL_ALERT_JSON carries every label"
assert_eq "$(jq -c '.alerts[0] | [.startsAt, .endsAt, .generatorURL, .annotations]' "$host_fixture")" \
  "$(jq -c '[.startsAt, .endsAt, .generatorURL, .annotations]' <<<"$alert_json" 2>&1)" \
  "SELF_HEAL_ALERT_JSON keeps startsAt, endsAt, generatorURL and annotations as sent"
assert_eq "$fp" "$(it_field "$handler_lines" SELF_HEAL_FINGERPRINT | sort -u)" \
  "every handler line carries SELF_HEAL_FINGERPRINT (LogExtraFields)"
assert_eq "DiskSpaceLow $instance" \
  "$(it_field "$handler_lines" SELF_HEAL_ALERTNAME | sort -u) $(it_field "$handler_lines" SELF_HEAL_INSTANCE | sort -u)" \
  "handler lines carry SELF_HEAL_ALERTNAME and SELF_HEAL_INSTANCE"
invocation=$(it_field "$handler_lines" _SYSTEMD_INVOCATION_ID | sort -u)

result=$(jq -c --arg r "$MSG_RESULT" 'select(.MESSAGE_ID == $r)' <<<"$story")
assert_eq done "$(it_field "$result" SELF_HEAL_RESULT)" "result SELF_HEAL_RESULT=done (exit 0 is the handler's word)"
assert_eq "success/0/$unit" \
  "$(it_field "$result" SELF_HEAL_SERVICE_RESULT)/$(it_field "$result" SELF_HEAL_EXIT_STATUS)/$(it_field "$result" SELF_HEAL_UNIT)" \
  "result: SERVICE_RESULT=success, EXIT_STATUS=0, UNIT=$unit"
assert_that "result SELF_HEAL_INVOCATION_ID is the handler unit's ($invocation)" \
  test -n "$invocation" -a "$invocation" == "$(it_field "$result" SELF_HEAL_INVOCATION_ID)"
duration=$(it_field "$result" SELF_HEAL_DURATION_MS)
assert_that "result SELF_HEAL_DURATION_MS is a number of ms ($duration)" \
  it_in_range "$duration" 0 15000
decision=$(jq -c --arg d "$MSG_DECISION" 'select(.MESSAGE_ID == $d)' <<<"$story")
assert_eq "launch/disk/$unit/1" \
  "$(it_field "$decision" SELF_HEAL_DECISION)/$(it_field "$decision" SELF_HEAL_HANDLER)/$(it_field "$decision" SELF_HEAL_UNIT)/$(it_field "$decision" SELF_HEAL_ATTEMPT)" \
  "decision entry names handler, unit and attempt"
assert_eq self-heal "$(it_field "$decision" SYSLOG_IDENTIFIER)" "decision entry has SYSLOG_IDENTIFIER=self-heal"

assert_eq "done 1 closed null" \
  "$(it_status_field disk "$instance" last_result) $(it_status_field disk "$instance" attempts_in_window) $(it_status_field disk "$instance" breaker) $(it_status_field disk "$instance" running_unit)" \
  "status: done, still counting, breaker closed, nothing running"
verify_until=$(it_status_field disk "$instance" verify_until)
assert_eq "$(it_field "$result" SELF_HEAL_VERIFY_UNTIL)" "$verify_until" \
  "status verify_until is the result's SELF_HEAL_VERIFY_UNTIL ($verify_until)"
assert_contains "$(in_container self-heal status)" "done, awaiting resolve" "status (text): done, awaiting resolve"

# --- the world's word: the resolved notification heals it ---------------------------
resolved_fixture=/var/lib/self-heal-test/02-single-resolved.json
cp "$(dirname "$0")/../../fixtures/alertmanager/02-single-resolved.json" "$CT_ROOT$resolved_fixture" ||
  die "cannot copy the resolved fixture into the container"
answer=$(container_curl --fail-with-body -X POST -H 'Content-Type: application/json' \
  --data-binary "@$resolved_fixture" http://127.0.0.1:9095/)
assert_eq resolved "$(it_decisions "$answer")" "the resolved fixture is decided 'resolved'"
credited=$(it_journal "MESSAGE_ID=$MSG_DECISION" "SELF_HEAL_FINGERPRINT=$fp" SELF_HEAL_DECISION=resolved)
assert_eq "healed 1" "$(it_field "$credited" SELF_HEAL_CREDIT) $(it_field "$credited" SELF_HEAL_ATTEMPT)" \
  "resolved entry: SELF_HEAL_CREDIT=healed for attempt 1"
assert_that "resolved entry: SELF_HEAL_TIME_TO_RESOLVE_SEC is a number of seconds" \
  it_in_range "$(it_field "$credited" SELF_HEAL_TIME_TO_RESOLVE_SEC)" 0 120
assert_eq "healed 0 closed null" \
  "$(it_status_field disk "$instance" last_result) $(it_status_field disk "$instance" attempts_in_window) $(it_status_field disk "$instance" breaker) $(it_status_field disk "$instance" running_unit)" \
  "status: healed (budget reset), breaker closed, nothing running"
assert_eq 1 "$(it_sql "SELECT COUNT(*) FROM attempts WHERE handler = 'disk' AND resolved_at IS NOT NULL AND outcome = 'healed'")" \
  "store: the attempt is healed with its resolved_at"
unit_gone() { [[ $(in_container systemctl show -p LoadState --value "$unit") == not-found ]]; }
assert_that "the finished unit is collected" wait_until 5 unit_gone

# --- figures ----------------------------------------------------------------------
figures=$(in_container python3 "$IT_BIN/alerts.py" measure --count 20)
diag "figures: $figures"
assert_eq 20 "$(jq -r .first_lines_found <<<"$figures")" "all 20 measured handlers wrote their first line"
assert_eq '["launch"]/[200]' "$(jq -c .launch_decisions <<<"$figures")/$(jq -c .launch_statuses <<<"$figures")" \
  "all 20 measured alerts were launched with 200"
diag "POST -> handler's first journal line: median $(jq -r .post_to_first_line_ms.median <<<"$figures") ms" \
  "(min $(jq -r .post_to_first_line_ms.min <<<"$figures"), max $(jq -r .post_to_first_line_ms.max <<<"$figures"))"
diag "POST round trip, launch: median $(jq -r .launch_rtt_ms.median <<<"$figures") ms;" \
  "no-handler: median $(jq -r .nohandler_rtt_ms.median <<<"$figures") ms;" \
  "cost of one launch: $(jq -r .launch_cost_ms <<<"$figures") ms"
diag "systemd-run --no-block true: median $(jq -r .systemd_run_no_block_ms.median <<<"$figures") ms" \
  "(min $(jq -r .systemd_run_no_block_ms.min <<<"$figures"), max $(jq -r .systemd_run_no_block_ms.max <<<"$figures"))"

# The order holds for each of the 20 measured alerts too, not only the first. The
# receipts carry no alertname: take them all, and keep the fingerprints decided.
measured=$(it_journal SELF_HEAL_ALERTNAME=Measure + "MESSAGE_ID=$MSG_RECEIVED")
misordered=$(jq -rs --arg d "$MSG_DECISION" --arg r "$MSG_RESULT" --arg rcv "$MSG_RECEIVED" '
  group_by(.SELF_HEAL_FINGERPRINT | if type == "array" then .[0] else . end)[]
  | map(if .MESSAGE_ID == $rcv then "R" elif .MESSAGE_ID == $d then "d" elif .MESSAGE_ID == $r then "r"
        elif .MESSAGE_ID == null then "h" else "o" end)
  | join("") | select(test("d")) | select(test("^Rdh+r$") | not)' <<<"$measured" | sort | uniq -c | paste -sd' ')
assert_eq "" "$misordered" "every measured alert's journal reads receipt, decision, handler lines, result"
assert_eq 20 "$(jq -rs --arg d "$MSG_DECISION" '[.[] | select(.MESSAGE_ID == $d)] | length' <<<"$measured")" \
  "(20 measured decisions were checked)"

it_assert_no_orphans

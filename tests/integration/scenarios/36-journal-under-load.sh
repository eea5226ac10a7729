#!/bin/bash
# Nothing is dropped from the audit trail under a sustained load: 30,000 distinct
# alerts in at most 30 s through the socket-activated service (wrk, one new
# fingerprint a request, a Mode=dry-run handler so that each is a recorded decision
# that starts no unit) give exactly as many 2xx answers, dry-run decisions in the
# journal, and notification rounds in the store; journald suppresses nothing of
# self-heal's. And a handler that prints 60,000 lines keeps all of them and its
# result entry (journaled from its own unit by the recorder). journald's default rate
# limit (10000 entries a 30 s per unit, scaled by free space) lost over half of the
# decisions before the units set LogRateLimitIntervalSec=0 (docs/design-notes.md).
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"

total=30000 threads=8 limit_s=30 chatty_lines=60000
quota=$((total / threads))
command -v wrk >/dev/null || die "wrk is not installed (scripts/install-deps)"

it_boot load
# A journal that holds the whole load whatever this host's RAM: by default journald
# keeps at most 10% of the file system (here the container's tmpfs) and vacuums the
# oldest files beyond, which would look like a loss.
mkdir -p "$CT_ROOT/etc/systemd/journald.conf.d"
printf '[Journal]\nSystemMaxUse=1G\nSystemKeepFree=0\nRuntimeMaxUse=1G\nRuntimeKeepFree=0\n' \
  >"$CT_ROOT/etc/systemd/journald.conf.d/60-self-heal-load.conf"
assert_ok in_container systemctl restart systemd-journald.service

for unit in self-heal.service self-heal-escalations.service self-heal-recover.service; do
  assert_eq "LogRateLimitIntervalUSec=1s LogRateLimitBurst=1000000" \
    "$(in_container systemctl show -p LogRateLimitIntervalUSec,LogRateLimitBurst "$unit" | sort -r | paste -sd' ')" \
    "$unit: journald's limit is one no load reaches"
done

it_handler load <<EOF
[Match]
AlertName=Load
Instance=load-1
[Run]
Exec=$IT_BIN/test-handler 0
Mode=dry-run
EOF
it_handler chatty <<EOF
[Match]
AlertName=Chatty
Instance=chatty-1
[Run]
Exec=/bin/sh -c "seq $chatty_lines; sleep 2"
TimeoutSec=60s
EOF
assert_ok in_container self-heal check
template=/var/lib/self-heal-test/load-alert.json
it_payload --alertname Load --instance load-1 --fingerprint 0000000000000000 >"$CT_ROOT$template"
starts_at=$(jq -r '.alerts[0].startsAt' "$CT_ROOT$template")

# --- the load ----------------------------------------------------------------------
# wrk runs for -d whatever happens; its threads stop sending once their quota is
# answered, so a load that reaches $total in time leaves nothing in flight.
assert_eq inactive "$(in_container systemctl is-active self-heal.service)" \
  "serve is not running before the load (the socket starts it)"
t0=$(date +%s.%N)
wrk_rc=0
out=$(in_container timeout $((limit_s + 30)) wrk -t "$threads" -c "$threads" -d "${limit_s}s" \
  --timeout 10s -s "$IT_BIN/distinct-alerts.lua" http://127.0.0.1:9095/ -- "$quota" "$template" 2>&1) ||
  wrk_rc=$?
summary=$(grep '^{' <<<"$out" | tail -1)
diag "wrk (rc $wrk_rc): $summary"
[[ -n $summary ]] || die "wrk printed no summary: ${out//$'\n'/ | }"
ok=$(jq .ok <<<"$summary")
assert_eq "$total 0 0" "$(jq -r '"\(.ok) \(.other) \(.errors)"' <<<"$summary")" \
  "wrk: all $total requests answered 2xx within ${limit_s} s, no socket error or timeout"
span=$(it_sql "SELECT printf('%.1f', (MAX(seen_at) - MIN(seen_at)) / 1e9) FROM notifications
               WHERE starts_at = '$starts_at'")
diag "serve decided them within $span s (the store's first and last round)"

# --- every one of them in the journal and the store --------------------------------
assert_ok in_container journalctl --sync
journaled=$(in_container journalctl --no-pager -o json --output-fields=SELF_HEAL_FINGERPRINT \
  "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_ALERTNAME=Load SELF_HEAL_DECISION=dry-run |
  jq -r .SELF_HEAL_FINGERPRINT | sort | uniq -c |
  awk '{ n++; dup += ($1 > 1) } END { print n + 0, dup + 0 }')
stored=$(it_sql "SELECT COUNT(*) FROM notifications WHERE starts_at = '$starts_at'")
diag "answered 2xx: $ok; journal: ${journaled% *} dry-run decisions of distinct fingerprints" \
  "(${journaled#* } repeated); store: $stored rounds"
assert_eq "$ok 0" "$journaled" "journal: one dry-run decision for each 2xx answer, none twice"
assert_eq "$ok" "$stored" "store: one notification round for each 2xx answer"
suppressed=$(in_container journalctl --no-pager -o cat _SYSTEMD_UNIT=systemd-journald.service |
  grep -i 'suppressed' | grep -i 'self-heal' || true)
[[ -z $suppressed ]] || diag "journald: $(tail -3 <<<"$suppressed" | paste -sd';')"
# journald says so only once a window is over and the unit logs again: the counts above
# are the test, this names the loss when there is one.
assert_eq "" "$suppressed" "journald reported no suppressed entries of self-heal's units"

# --- a chatty handler keeps its result entry ---------------------------------------
# The pause after its output lets journald read all of it before the recorder journals
# the result (else the result overtakes the stream and finds its bucket not yet full).
answer=$(it_post "$(it_payload --alertname Chatty --instance chatty-1)")
assert_eq launch "$(it_decisions "$answer")" "a handler that prints $chatty_lines lines is launched"
unit=$(it_unit chatty chatty-1)
assert_that "its result entry (journaled by the recorder from its unit) arrives" \
  it_wait_count 1 30 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE=chatty-1
seq_lines() { in_container journalctl --no-pager -o cat _SYSTEMD_UNIT="$unit" SYSLOG_IDENTIFIER=sh | wc -l; }
# The recorder's native entry can overtake the end of the output stream: wait for it.
seq_done() { (($(seq_lines) >= chatty_lines)); }
wait_until 20 seq_done
assert_eq "$chatty_lines" "$(seq_lines)" "all $chatty_lines lines of its output are in the journal"
diag "wall time of the load and the checks:" \
  "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }')"

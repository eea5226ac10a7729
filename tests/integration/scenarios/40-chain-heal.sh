#!/bin/bash
# The chain a user runs, with the real programs: prometheus-node-exporter.service is
# stopped; Prometheus (the shipped ServiceDown rule, heal="true") fires; Alertmanager
# (the shipped config) posts to self-heal.socket; self-heal runs the shipped
# restart-service handler as a transient unit through the exact sudoers line; the
# service is back; Prometheus resolves; Alertmanager sends resolved, which self-heal
# journals. Each step is asserted where a user would look, and the stop -> healthy time
# is printed with its breakdown.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"
# shellcheck source=SCRIPTDIR/../data/chain.sh
source "$(dirname "$0")/../data/chain.sh"

it_boot chain-heal
chain_heal_handler restart-exporter
chain_setup
assert_ok in_container self-heal check
inst=$CHAIN_INSTANCE
unit=$(it_unit restart-exporter "$inst")

assert_eq "[]" "$(chain_prom_alerts)" "healthy: Prometheus has no alert"
assert_eq "[]" "$(chain_am_alerts | jq -c .)" "healthy: Alertmanager has no alert"
before=$(in_container systemctl show -P InvocationID "$CHAIN_UNIT")

# --- stop it --------------------------------------------------------------------------
t_stop=$EPOCHREALTIME
assert_ok in_container systemctl stop "$CHAIN_UNIT"
prom_is() { [[ $(chain_prom_state ServiceDown) == "$1" ]]; }
assert_that "Prometheus: ServiceDown pending" wait_until 10 prom_is pending
assert_that "Prometheus: ServiceDown firing" wait_until 15 prom_is firing
labels=$(chain_prom_alerts | jq -c '.[] | select(.labels.alertname == "ServiceDown") | .labels')
assert_eq "true $inst $CHAIN_UNIT prometheus-node-exporter" \
  "$(jq -r '"\(.heal) \(.instance) \(.name) \(.service)"' <<<"$labels")" \
  "Prometheus: heal=true, the watcher's instance, the unit and its service label"
am_is() { [[ $(chain_am_state ServiceDown) == "$1" ]]; }
assert_that "Alertmanager: ServiceDown active" wait_until 10 am_is active
assert_eq self-heal "$(chain_am_alerts | jq -r '.[] | select(.labels.alertname == "ServiceDown") | .receivers[].name')" \
  "Alertmanager: routed to the self-heal receiver"

assert_that "self-heal received the notification" \
  it_wait_count 1 15 "MESSAGE_ID=$MSG_RECEIVED"
assert_that "decision launch for ServiceDown on $inst" \
  it_wait_count 1 10 "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE="$inst" SELF_HEAL_DECISION=launch
decision=$(it_journal "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_DECISION=launch | head -1)
assert_eq "ServiceDown restart-exporter $unit" \
  "$(it_field "$decision" SELF_HEAL_ALERTNAME) $(it_field "$decision" SELF_HEAL_HANDLER) $(it_field "$decision" SELF_HEAL_UNIT)" \
  "journal: the decision names alertname, handler and unit"
assert_that "the handler unit $unit started" it_wait_count 1 10 _PID=1 UNIT="$unit" "MESSAGE_ID=$MSG_UNIT_STARTED"
assert_that "the handler's result is recorded" \
  it_wait_count 1 20 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE="$inst"
result=$(it_journal "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE="$inst" | head -1)
# healed on main; "done" once healing is verified by the resolved notification
# (VerifySec=), which the status check below covers.
assert_contains " healed 0 done 0 " " $(it_field "$result" SELF_HEAL_RESULT) $(it_field "$result" SELF_HEAL_EXIT_STATUS) " \
  "journal: result healed or done (exit 0)"
assert_contains "$(in_container journalctl --no-pager -o cat _COMM=sudo)" \
  "COMMAND=/usr/bin/systemctl restart $CHAIN_UNIT" "sudo ran exactly the allowed command"
assert_eq active "$(in_container systemctl is-active "$CHAIN_UNIT")" "$CHAIN_UNIT is active again"
assert_that "$CHAIN_UNIT was restarted (a new InvocationID)" \
  test "$(in_container systemctl show -P InvocationID "$CHAIN_UNIT")" != "$before"
assert_that "it answers on 127.0.0.1:9101 again" _chain_http_ok http://127.0.0.1:9101/metrics

# --- resolved ---------------------------------------------------------------------------
prom_clear() { [[ -z $(chain_prom_state ServiceDown) ]]; }
assert_that "Prometheus: ServiceDown resolved" wait_until 10 prom_clear
am_clear() { [[ -z $(chain_am_state ServiceDown) ]]; }
assert_that "Alertmanager: ServiceDown no longer active" wait_until 10 am_clear
assert_that "self-heal journals the resolved notification" \
  it_wait_count 1 15 "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE="$inst" SELF_HEAL_DECISION=resolved
fp=$(it_field "$decision" SELF_HEAL_FINGERPRINT)
story=$(it_journal SELF_HEAL_FINGERPRINT="$fp" | jq -r '.SELF_HEAL_DECISION // .SELF_HEAL_RESULT // empty' | paste -sd ' ')
diag "journalctl SELF_HEAL_FINGERPRINT=$fp: $story"
assert_contains "$story" "launch" "the alert's story has the launch"
assert_contains "$story" "resolved" "and the resolved notification"
diag "self-heal status --json: $(in_container self-heal status --json)"
assert_eq "healed closed" \
  "$(it_status_field restart-exporter "$inst" last_result) $(it_status_field restart-exporter "$inst" breaker)" \
  "self-heal status --json: last result healed, breaker closed"
assert_eq 1 "$(it_count "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_DECISION=launch)" "exactly one run"

# --- where the time went ----------------------------------------------------------------
sel="{alertname=\"ServiceDown\",alertstate"
t_scraped=$(chain_first_sample "node_systemd_unit_state{name=\"$CHAIN_UNIT\",state=\"active\"}" 0)
t_pending=$(chain_first_sample "ALERTS$sel=\"pending\"}")
t_firing=$(chain_first_sample "ALERTS$sel=\"firing\"}")
t_post=$(chain_jtime "MESSAGE_ID=$MSG_RECEIVED")
t_unit=$(chain_jtime _PID=1 UNIT="$unit" "MESSAGE_ID=$MSG_UNIT_STARTED")
t_active=$(chain_jtime --last _PID=1 UNIT="$CHAIN_UNIT" "MESSAGE_ID=$MSG_UNIT_STARTED")
t_result=$(chain_jtime "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE="$inst")
t_resolved=$(chain_jtime "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_DECISION=resolved)
t_stop=$(chain_elapsed 0 "$t_stop")
diag "stop -> healthy (service active again): $(chain_elapsed "$t_stop" "$t_active")s;" \
  "stop -> resolved recorded: $(chain_elapsed "$t_stop" "$t_resolved")s"
diag "  stop -> scraped inactive           $(chain_elapsed "$t_stop" "$t_scraped")s (scrape_interval 1s)"
diag "  scraped -> pending                 $(chain_elapsed "$t_scraped" "$t_pending")s (evaluation_interval 1s)"
diag "  pending -> firing                  $(chain_elapsed "$t_pending" "$t_firing")s (for: $CHAIN_FOR)"
diag "  firing -> POST received            $(chain_elapsed "$t_firing" "$t_post")s (Prometheus -> Alertmanager, group_wait $CHAIN_GROUP_WAIT)"
diag "  POST -> handler unit start         $(chain_elapsed "$t_post" "$t_unit")s (socket activation, decision, StartTransientUnit)"
diag "  unit start -> service active       $(chain_elapsed "$t_unit" "$t_active")s (restart-service: checks, sudo systemctl restart)"
diag "  service active -> result healed    $(chain_elapsed "$t_active" "$t_result")s (--stable-sec=1, polled once a second)"
diag "  service active -> resolved recorded $(chain_elapsed "$t_active" "$t_resolved")s (scrape, evaluation, group_interval $CHAIN_GROUP_INTERVAL)"
assert_that "every step has a time" test -n "$t_scraped" -a -n "$t_pending" -a -n "$t_firing" \
  -a -n "$t_post" -a -n "$t_unit" -a -n "$t_active" -a -n "$t_result" -a -n "$t_resolved"
# For the measurement (median of several runs): one machine-readable line.
diag "timing stop_healthy=$(chain_elapsed "$t_stop" "$t_active") stop_resolved=$(chain_elapsed "$t_stop" "$t_resolved")" \
  "scrape=$(chain_elapsed "$t_stop" "$t_scraped") eval=$(chain_elapsed "$t_scraped" "$t_pending")" \
  "for=$(chain_elapsed "$t_pending" "$t_firing") am=$(chain_elapsed "$t_firing" "$t_post")" \
  "launch=$(chain_elapsed "$t_post" "$t_unit") restart=$(chain_elapsed "$t_unit" "$t_active")" \
  "verify=$(chain_elapsed "$t_active" "$t_result") resolve=$(chain_elapsed "$t_active" "$t_resolved")"
it_assert_no_orphans

#!/bin/bash
# Alertmanager keeps alerts in memory only: restarted while a breaker is open, it has
# forgotten SelfHealExhausted, and self-heal's re-send brings it back within one
# ResendIntervalSec=, from a transient timer (no resident process). Prometheus scrapes
# self-heal's metrics (node_exporter's textfile collector) and sees the open breaker.
# The timer is re-armed by a start of the deliverer as at boot. `self-heal reset`
# resolves the page, and the timer and its marker go away.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"
# shellcheck source=SCRIPTDIR/../data/chain.sh
source "$(dirname "$0")/../data/chain.sh"

resend=5
it_boot chain-am-restart
chain_heal_handler restart-exporter 'MaxAttempts=1
Window=1h'
CHAIN_ESCALATION_LINES="ResendIntervalSec=${resend}s"
chain_setup
assert_ok in_container self-heal check
inst=$CHAIN_INSTANCE

assert_ok chain_break_service
assert_ok in_container systemctl stop "$CHAIN_UNIT"
esc_state() { chain_am_alerts | jq -r '[.[] | select(.labels.alertname == "SelfHealExhausted") | .status.state] | first // ""'; }
esc_active() { [[ $(esc_state) == active ]]; }
esc_gone() { [[ -z $(esc_state) ]]; }
assert_that "one failed run opens the breaker (MaxAttempts=1); SelfHealExhausted in Alertmanager" \
  wait_until 30 esc_active

# (c) the open breaker, as Prometheus sees it.
open_until() {
  chain_query "self_heal_breaker_open_until_seconds{alert_instance=\"$inst\",handler=\"restart-exporter\"} > time()" |
    jq -e 'length == 1' >/dev/null
}
assert_that "Prometheus: self_heal_breaker_open_until_seconds{alert_instance=\"$inst\"} is in the future" \
  wait_until 10 open_until

# (a) Alertmanager restarted: the page is back within one re-send interval.
assert_ok in_container systemctl stop chain-alertmanager-a.service
rm -rf "$CT_ROOT$CHAIN_DIR/am-a"
chain_alertmanager a 9093 "$CHAIN_DIR/alertmanager.yml"
t_up=$EPOCHREALTIME
assert_that "SelfHealExhausted is back within ResendIntervalSec=${resend}s (+2 s)" wait_until $((resend + 2)) esc_active
diag "back $(_elapsed "$t_up")s after Alertmanager was ready"
assert_that "the re-sends come from a timer unit, not from serve" \
  test -n "$(in_container systemctl list-timers --all --no-legend 'self-heal*' | grep -v '^$')"

# A reboot loses the transient timer; multi-user.target then starts the enabled
# deliverer, whose ConditionPathExists= on the marker holds, and it re-arms the timer.
timer_up() { in_container systemctl is-active -q self-heal-escalations.timer; }
assert_eq enabled "$(in_container systemctl is-enabled self-heal-escalations.service)" \
  "the deliverer is enabled (it starts at boot)"
assert_that "the marker says an escalation is active" test -e "$CT_ROOT/var/lib/self-heal/escalations-active"
assert_ok in_container systemctl stop self-heal-escalations.timer
assert_ok in_container systemctl start self-heal-escalations.service
assert_that "started as at boot, the deliverer arms the re-send timer again" wait_until 5 timer_up

# (a) reset: the page is resolved.
assert_ok in_container self-heal reset restart-exporter "$inst"
t_reset=$EPOCHREALTIME
assert_that "after self-heal reset, SelfHealExhausted is resolved in Alertmanager" wait_until $((resend + 5)) esc_gone
diag "resolved $(_elapsed "$t_reset")s after the reset"
idle() { ! timer_up && [[ ! -e $CT_ROOT/var/lib/self-heal/escalations-active ]]; }
assert_that "nothing active: the timer and the marker are gone" wait_until 10 idle
assert_eq 1 "$(it_count MESSAGE_ID="$MSG_ESCALATION" SELF_HEAL_REASON=resolved SELF_HEAL_INSTANCE="$inst")" \
  "the resolve is journaled once"

#!/bin/bash
# The shipped inhibit rule in the real chain: while NodeDown fires for an instance,
# Alertmanager suppresses that instance's heal alerts and self-heal hears nothing.
# Here Prometheus's job "node" is prometheus-node-exporter.service itself (relabelled to
# the watcher's instance, as on a host where one node_exporter reports everything):
# stopping it makes NodeDown (for: 1s) and ServiceDown (for: 6s) fire for the same
# instance; ServiceDown is suppressed, inhibited by NodeDown; nothing is posted, nothing runs.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"
# shellcheck source=SCRIPTDIR/../data/chain.sh
source "$(dirname "$0")/../data/chain.sh"

it_boot chain-inhibit
chain_heal_handler restart-exporter
chain_setup --for 6s --node-for 1s --jobs "  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:9101']
    relabel_configs:
      - target_label: instance
        replacement: '$CHAIN_INSTANCE'
  - job_name: systemd
    static_configs:
      - targets: ['$CHAIN_INSTANCE']"
assert_ok in_container self-heal check
up_node() { [[ $(chain_query "up{job=\"node\",instance=\"$CHAIN_INSTANCE\"}" | jq -r '.[0].value[1] // empty') == 1 ]]; }
assert_that "Prometheus scrapes job node as instance $CHAIN_INSTANCE" wait_until 10 up_node

assert_ok in_container systemctl stop "$CHAIN_UNIT"
prom_is() { [[ $(chain_prom_state "$1") == "$2" ]]; }
assert_that "Prometheus: NodeDown firing" wait_until 15 prom_is NodeDown firing
assert_that "Prometheus: ServiceDown firing" wait_until 15 prom_is ServiceDown firing
am_is() { [[ $(chain_am_state "$1") == "$2" ]]; }
assert_that "Alertmanager: NodeDown active" wait_until 10 am_is NodeDown active
assert_that "Alertmanager: ServiceDown suppressed" wait_until 10 am_is ServiceDown suppressed
alerts=$(chain_am_alerts)
node_fp=$(jq -r '.[] | select(.labels.alertname == "NodeDown") | .fingerprint' <<<"$alerts")
assert_eq "$node_fp" "$(jq -r '.[] | select(.labels.alertname == "ServiceDown") | .status.inhibitedBy | join(" ")' <<<"$alerts")" \
  "ServiceDown is inhibited by NodeDown ($node_fp)"
assert_eq "$CHAIN_INSTANCE $CHAIN_INSTANCE true" \
  "$(jq -r '[(.[] | select(.labels.alertname == "NodeDown") | .labels.instance), (.[] | select(.labels.alertname == "ServiceDown") | .labels.instance, .labels.heal)] | join(" ")' <<<"$alerts")" \
  "the same instance; ServiceDown carries heal=true"
# Past group_wait and two group_intervals: an uninhibited alert would have been posted.
sleep 5
assert_eq 0 "$(it_count "MESSAGE_ID=$MSG_RECEIVED")" "self-heal received no notification"
assert_eq 0 "$(it_count "MESSAGE_ID=$MSG_DECISION")" "and decided nothing"
assert_eq 0 "$(it_count _PID=1 UNIT="$(it_unit restart-exporter "$CHAIN_INSTANCE")")" "no handler unit ran"
assert_eq inactive "$(in_container systemctl is-active "$CHAIN_UNIT")" "$CHAIN_UNIT is still stopped"
assert_eq "" "$(it_status_field restart-exporter "$CHAIN_INSTANCE" attempts_in_window)" "self-heal status has no attempt"

#!/bin/bash
# The real chain with authentication, set up as the shipped examples say: self-heal
# reads the bearer secret as a systemd credential (LoadCredential=, the drop-in
# units/self-heal.service.d-auth.conf.example), Alertmanager sends it from
# http_config.authorization.credentials_file (uncommented in the shipped
# alertmanager.yml). ServiceDown is healed through it; a request without the secret
# gets 401 and is journaled, deciding nothing.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"
# shellcheck source=SCRIPTDIR/../data/chain.sh
source "$(dirname "$0")/../data/chain.sh"

MSG_REJECTED=e6caf8bd9ec34ddcbc99946acc4f5e9a
it_boot chain-auth
secret=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
# self-heal's side: the operator's steps from the drop-in's comment.
assert_ok in_container install -D -m 0644 /usr/share/doc/self-heal/examples/self-heal.service.d-auth.conf.example \
  /etc/systemd/system/self-heal.service.d/auth.conf
printf '%s' "$secret" | install -m 0600 /dev/stdin "$CT_ROOT/etc/self-heal/auth-secret"
assert_ok in_container systemctl daemon-reload
# Alertmanager's side: the file named in the shipped comment, readable by prometheus.
printf '%s' "$secret" | install -m 0640 /dev/stdin "$CT_ROOT/etc/prometheus/self-heal-webhook-secret"
assert_ok in_container chgrp prometheus /etc/prometheus/self-heal-webhook-secret
chain_heal_handler restart-exporter
chain_setup --server $'Auth=bearer\nAuthSecretFile=auth-secret' \
  --am-edit '^( +)# http_config:$@@\1http_config:@@1' \
  --am-edit '^( +)#   authorization:$@@\1  authorization:@@1' \
  --am-edit '^( +)#     type: Bearer$@@\1    type: Bearer@@1' \
  --am-edit '^( +)#     credentials_file: (/etc/prometheus/self-heal-webhook-secret)$@@\1    credentials_file: \2@@1'
assert_ok in_container self-heal check
assert_contains "$(in_container cat "$CHAIN_DIR/alertmanager.yml")" "credentials_file: /etc/prometheus/self-heal-webhook-secret" \
  "Alertmanager's config has the shipped credentials_file"

# Without the secret: 401, journaled, nothing decided.
answer=$(in_container curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{local_port}' \
  -H 'Content-Type: application/json' --data-binary "$(it_payload --alertname ServiceDown --instance "$CHAIN_INSTANCE")" \
  http://127.0.0.1:9095/)
read -r code port <<<"$answer"
assert_eq 401 "$code" "a request without the secret gets 401"
assert_that "its rejection is journaled" \
  it_wait_count 1 5 "MESSAGE_ID=$MSG_REJECTED" "SELF_HEAL_REMOTE=127.0.0.1:$port" SELF_HEAL_HTTP_STATUS=401
assert_eq 0 "$(it_count "MESSAGE_ID=$MSG_DECISION")" "it decided nothing"

# With it: Alertmanager's notification is accepted and the service healed.
assert_ok in_container systemctl stop "$CHAIN_UNIT"
assert_that "Alertmanager's notification is decided launch" \
  it_wait_count 1 25 "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE="$CHAIN_INSTANCE" SELF_HEAL_DECISION=launch
assert_that "the result is recorded" it_wait_count 1 20 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE="$CHAIN_INSTANCE"
assert_contains " healed done " " $(it_journal "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_INSTANCE="$CHAIN_INSTANCE" | head -1 | jq -r .SELF_HEAL_RESULT) " \
  "healed (or done, before verification) through the authenticated webhook"
assert_eq active "$(in_container systemctl is-active "$CHAIN_UNIT")" "$CHAIN_UNIT is active again"
assert_that "the resolved notification is accepted too" \
  it_wait_count 1 15 "MESSAGE_ID=$MSG_DECISION" SELF_HEAL_INSTANCE="$CHAIN_INSTANCE" SELF_HEAL_DECISION=resolved
assert_eq 1 "$(it_count "MESSAGE_ID=$MSG_REJECTED")" "the only rejection is the request without the secret"

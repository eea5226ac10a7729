#!/bin/bash
# Authentication with the secret handed over as a systemd credential
# (LoadCredential=, the shipped example drop-in): the captured Alertmanager
# requests (fixtures 05 bearer, 06 basic) are accepted byte for byte; a request
# without credentials, or with wrong ones, gets 401 with WWW-Authenticate and a
# rejection in the journal, and decides nothing.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/common.sh
source "$(dirname "$0")/../data/common.sh"

container_boot auth
container_install "${HARNESS_BUILD_DIR:?set by run.sh BUILD_DIR}"
it_stage

rejected_id=e6caf8bd9ec34ddcbc99946acc4f5e9a
decision_id=fc08a64e5a85443ca51cf082462da06a
body=$CT_FIXTURES/05-auth-bearer.json   # 06's body is the same payload

# req PATH [CURL_ARG...] -> "STATUS CLIENT_PORT WWW-Authenticate value"
req() {
  local path=$1 out www; shift
  out=$(in_container curl -sS --max-time 10 -o /dev/null -D - -w '%{http_code} %{local_port}' \
    -H 'Content-Type: application/json' --data-binary "@$body" "$@" "http://127.0.0.1:9095$path")
  www=$(grep -i '^www-authenticate:' <<<"$out" | sed 's/^[^:]*: *//; s/\r$//')
  printf '%s %s' "${out##*$'\n'}" "$www"
}
# raw FIXTURE -> the status of its exact captured bytes, sent as they are
raw() { in_container python3 "$CT_DATA/raw_http.py" "$CT_FIXTURES/$1" | it_fields status error | tr '\t' ' '; }
# rejected PORT -> "PRIORITY HTTP_STATUS REASON" of the rejection of that connection
rejected() {
  it_journal "MESSAGE_ID=$rejected_id" "SELF_HEAL_REMOTE=127.0.0.1:$1" \
    | it_fields PRIORITY SELF_HEAL_HTTP_STATUS SELF_HEAL_REASON | tr '\t' ' '
}
decided() { it_journal "MESSAGE_ID=$decision_id" "SELF_HEAL_REMOTE=127.0.0.1:$1" | it_fields SELF_HEAL_DECISION; }
configure() {  # configure AUTH_LINES PATH SECRET_BYTES: config + secret, then a fresh start
  it_write /etc/self-heal/self-heal.conf <<EOF
[Server]
IdleTimeoutSec=5min
WebhookPath=$2
$1
AuthSecretFile=auth-secret
[Metrics]
TextfilePath=
EOF
  printf '%s' "$3" | it_write /etc/self-heal/auth-secret 0600
  in_container systemctl stop self-heal.service 2>/dev/null   # config is read at start
}
# check_401 DESC PATH [CURL_ARG...]: 401 + challenge, journaled, nothing decided
check_401() {
  local desc=$1 path=$2 status port www; shift 2
  read -r status port www <<<"$(req "$path" "$@")"
  assert_eq "401 $challenge" "$status $www" "$desc: 401 with WWW-Authenticate: $challenge"
  assert_eq "4 401 unauthorized" "$(rejected "$port")" "$desc: journaled (warning, 401, unauthorized)"
  assert_eq "" "$(decided "$port")" "$desc: nothing decided"
}

# The operator's steps from units/self-heal.service.d-auth.conf.example.
assert_ok in_container install -D -m 0644 /usr/share/doc/self-heal/examples/self-heal.service.d-auth.conf.example \
  /etc/systemd/system/self-heal.service.d/auth.conf
# Bearer: the token file as Alertmanager's credentials_file had it, no newline.
configure "Auth=bearer" /ok/auth-bearer "PLACEHOLDER-bearer-token-not-a-secret"
assert_ok in_container systemctl daemon-reload
assert_ok in_container self-heal check
assert_ok in_container systemctl enable --now self-heal.socket
# (systemctl show prints LoadCredential= as "[unprintable]" in 252)
assert_eq /etc/systemd/system/self-heal.service.d/auth.conf "$(it_prop self-heal.service DropInPaths)" \
  "the drop-in is in effect"
assert_contains "$(in_container systemctl cat self-heal.service | tail -n 2)" \
  $'[Service]\nLoadCredential=auth-secret:/etc/self-heal/auth-secret' "the unit loads the credential"

# --- bearer -------------------------------------------------------------------------
assert_eq "200 null" "$(raw 05-auth-bearer.http)" "bearer: Alertmanager's captured request (fixture 05) gets 200"
pid=$(it_prop self-heal.service MainPID)
assert_ok in_container test -s /run/credentials/self-heal.service/auth-secret
assert_contains "$(in_container cat "/proc/$pid/environ" | tr '\0' '\n')" \
  "CREDENTIALS_DIRECTORY=/run/credentials/self-heal.service" "the service got \$CREDENTIALS_DIRECTORY"
challenge='Bearer realm="self-heal"'
check_401 "bearer: no Authorization" /ok/auth-bearer
check_401 "bearer: wrong token" /ok/auth-bearer -H "Authorization: Bearer PLACEHOLDER-bearer-token-not-a-secreT"
check_401 "bearer: token with a suffix" /ok/auth-bearer -H "Authorization: Bearer PLACEHOLDER-bearer-token-not-a-secret2"
check_401 "bearer: right secret, basic scheme" /ok/auth-bearer -u "selfheal:PLACEHOLDER-bearer-token-not-a-secret"
read -r status port _ <<<"$(req /ok/auth-bearer -H "Authorization: Bearer PLACEHOLDER-bearer-token-not-a-secret")"
assert_eq 200 "$status" "bearer: right token (curl) gets 200"
assert_eq no-handler "$(decided "$port")" "bearer: and its alert was decided (no handler is configured)"
# --- basic --------------------------------------------------------------------------
# The same credential file, now holding the password with a trailing newline (as
# `install ... <<<"$SECRET"` writes it): one trailing newline is not part of it.
configure $'Auth=basic\nAuthUser=selfheal' /ok/auth-basic $'PLACEHOLDER-password\n'
assert_ok in_container self-heal check
assert_eq "200 null" "$(raw 06-auth-basic.http)" "basic: Alertmanager's captured request (fixture 06) gets 200"
assert_that "basic: served by a new start (config reloaded)" test "$(it_prop self-heal.service MainPID)" != "$pid"
challenge='Basic realm="self-heal"'
check_401 "basic: no Authorization" /ok/auth-basic
check_401 "basic: wrong password" /ok/auth-basic -u "selfheal:PLACEHOLDER-passwort"
check_401 "basic: wrong user" /ok/auth-basic -u "selfhea1:PLACEHOLDER-password"
check_401 "basic: password with the newline" /ok/auth-basic -u $'selfheal:PLACEHOLDER-password\n'
check_401 "basic: right password as a bearer token" /ok/auth-basic -H "Authorization: Bearer PLACEHOLDER-password"
read -r status port _ <<<"$(req /ok/auth-basic -u "selfheal:PLACEHOLDER-password")"
assert_eq 200 "$status" "basic: right user and password (curl) gets 200"

assert_eq "" "$(it_journal -t self-heal -p err | it_fields MESSAGE)" "no self-heal entry at err or worse"

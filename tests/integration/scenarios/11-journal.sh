#!/bin/bash
# The journal is the audit trail: every decision is one entry with
# SYSLOG_IDENTIFIER=self-heal, the documented SELF_HEAL_* fields and MESSAGE_ID
# fc08a64e…; `journalctl -x` explains it from the installed catalog; a handler's own
# output and its result join the decision by SELF_HEAL_FINGERPRINT; and the webhook
# secret (or a wrong token someone sent) never appears anywhere in the journal,
# not even in a handler's environment.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/common.sh
source "$(dirname "$0")/../data/common.sh"

container_boot journal
container_install "${HARNESS_BUILD_DIR:?set by run.sh BUILD_DIR}"
it_stage

decision_id=fc08a64e5a85443ca51cf082462da06a
rejected_id=e6caf8bd9ec34ddcbc99946acc4f5e9a
result_id=b837d6c21c114b43bbb983eae84df921

# Random, so that nothing else in the journal can contain them by chance.
secret=it-secret-$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
wrong=it-wrong-$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
# As the example drop-in says: `install ... <<<"$SECRET"` leaves one newline.
it_write /etc/self-heal/auth-secret 0600 <<<"$secret"
assert_ok in_container install -D -m 0644 /usr/share/doc/self-heal/examples/self-heal.service.d-auth.conf.example \
  /etc/systemd/system/self-heal.service.d/auth.conf
it_write /etc/self-heal/self-heal.conf <<'EOF'
[Server]
IdleTimeoutSec=5min
Auth=bearer
AuthSecretFile=auth-secret
[Metrics]
TextfilePath=
EOF
# dry-run for DiskSpaceLow (fixtures 01, 02, 10, 11); a real launch for ServiceDown
# on web-1 and web-2 only (fixture 03 also has web-3). The handler prints its whole
# environment to the journal, which must not hold the secret either.
it_write /etc/self-heal/handlers.d/disk-space-low.conf <<'EOF'
[Match]
AlertName=DiskSpaceLow
Instance=web-1:9100
[Run]
Exec=/usr/bin/true
Mode=dry-run
EOF
it_write /etc/self-heal/handlers.d/service-down.conf <<'EOF'
[Match]
AlertName=ServiceDown
Instance=web-1:8080 web-2:8080
[Run]
Exec=/usr/bin/env
Mode=run
TimeoutSec=20
EOF
assert_ok in_container systemctl daemon-reload
assert_ok in_container self-heal check
assert_ok in_container systemctl enable --now self-heal.socket

# --- the requests ----------------------------------------------------------------
auth=(-H "Authorization: Bearer $secret")
sequence=(21-latency-probe-firing 03-group3-firing 01-single-firing 02-single-resolved
          10-ha-am-a-firing 11-ha-am-b-firing)
for f in "${sequence[@]}"; do
  reply=$(it_post "$CT_FIXTURES/$f.json" "${auth[@]}")
  assert_eq 200 "${reply%% *}" "POST $f with the right token: 200"
done
reply=$(it_post "$CT_FIXTURES/01-single-firing.json")
assert_eq 401 "${reply%% *}" "POST without a token: 401"
reply=$(it_post "$CT_FIXTURES/01-single-firing.json" -H "Authorization: Bearer $wrong")
assert_eq 401 "${reply%% *}" "POST with a wrong token: 401"
reply=$(it_post "$CT_FIXTURES/01-single-firing.json" -H "Authorization: Basic $(printf 'selfheal:%s' "$wrong" | base64 -w0)")
assert_eq 401 "${reply%% *}" "POST with a wrong basic password: 401"

# --- one entry per decision, with the documented fields ---------------------------
# What the fixtures say, in request order: alertname, instance, fingerprint, status.
alerts=$(in_container python3 - "$CT_FIXTURES" "${sequence[@]}" <<'EOF'
import json, sys
for name in sys.argv[2:]:
    with open("%s/%s.json" % (sys.argv[1], name)) as f:
        for a in json.load(f)["alerts"]:
            print("\t".join([a["labels"]["alertname"], a["labels"]["instance"],
                             a["fingerprint"], a["status"]]))
EOF
)
# decision, handler ("-": none matched), priority (launch/dry-run notice,
# instance-not-allowed warning, the rest info; see serve/decision_event.cpp)
outcomes='no-handler	-	6
launch	service-down	5
launch	service-down	5
instance-not-allowed	service-down	4
dry-run	disk-space-low	5
resolved	disk-space-low	6
dry-run	disk-space-low	5
duplicate-notification	disk-space-low	6'
expected=$(paste <(printf '%s\n' "$alerts") <(printf '%s\n' "$outcomes") \
  | awk -F'\t' -v OFS='\t' '{ print "self-heal", $7, $1, $2, $3, $4, $5, $6 }')
decisions=$(it_journal "MESSAGE_ID=$decision_id")
actual=$(it_fields SYSLOG_IDENTIFIER PRIORITY SELF_HEAL_ALERTNAME SELF_HEAL_INSTANCE \
  SELF_HEAL_FINGERPRINT SELF_HEAL_STATUS SELF_HEAL_DECISION SELF_HEAL_HANDLER <<<"$decisions")
assert_eq "$expected" "$actual" \
  "8 decision entries: SYSLOG_IDENTIFIER, PRIORITY, ALERTNAME, INSTANCE, FINGERPRINT, STATUS, DECISION, HANDLER"
assert_eq "" "$(it_fields SELF_HEAL_DECISION SELF_HEAL_REASON SELF_HEAL_REMOTE <<<"$decisions" \
  | awk -F'\t' '$2 == "-" || $2 == "" || $3 !~ /^127\.0\.0\.1:[0-9]+$/')" \
  "every decision has a SELF_HEAL_REASON and SELF_HEAL_REMOTE=127.0.0.1:PORT"
assert_eq "" "$(it_fields --where SELF_HEAL_DECISION=launch SELF_HEAL_UNIT SELF_HEAL_ATTEMPT <<<"$decisions" \
  | grep -vE $'^self-heal-service-down-[0-9a-f]{8}\\.service\t1$')" \
  "each launch names its unit (self-heal-service-down-<8 hex>.service) and attempt 1"
assert_contains "$(it_fields --where SELF_HEAL_DECISION=duplicate-notification MESSAGE <<<"$decisions")" \
  "Decided duplicate-notification for 'DiskSpaceLow' on 'web-1:9100'" "MESSAGE says what was decided"

# --- the whole story of one alert: decision, handler output, result --------------
fp=$(cut -f3 <<<"$alerts" | sed -n 2p)    # ServiceDown on web-1:8080
results_in() { [[ $(it_journal "MESSAGE_ID=$result_id" | it_fields SELF_HEAL_RESULT | grep -c done) -ge 2 ]]; }
assert_that "both handler runs journaled a result" wait_until 15 results_in
story=$(it_journal "SELF_HEAL_FINGERPRINT=$fp")
assert_eq "$decision_id" "$(it_fields --where SELF_HEAL_DECISION=launch MESSAGE_ID <<<"$story")" \
  "journalctl SELF_HEAL_FINGERPRINT=$fp: the decision"
handler_lines=$(it_fields --where "_SYSTEMD_UNIT=$(it_fields --where SELF_HEAL_DECISION=launch SELF_HEAL_UNIT <<<"$story")" MESSAGE <<<"$story")
assert_contains "$handler_lines" "SELF_HEAL_INSTANCE=web-1:8080" \
  "journalctl SELF_HEAL_FINGERPRINT=$fp: the handler's own output (its environment)"
assert_eq "done	5	service-down" \
  "$(it_fields --where "MESSAGE_ID=$result_id" SELF_HEAL_RESULT PRIORITY SELF_HEAL_HANDLER <<<"$story")" \
  "journalctl SELF_HEAL_FINGERPRINT=$fp: the result (done, notice)"

# --- rejected requests --------------------------------------------------------------
rejections=$(it_journal "MESSAGE_ID=$rejected_id" | it_fields SYSLOG_IDENTIFIER PRIORITY SELF_HEAL_HTTP_STATUS SELF_HEAL_REASON)
assert_eq "$(printf 'self-heal\t4\t401\tunauthorized\n%.0s' 1 2 3)" "$rejections" \
  "3 rejections journaled: warning, HTTP_STATUS=401, REASON=unauthorized"

# --- journalctl -x: the catalog text, fields filled in ----------------------------
explained=$(in_container journalctl -b -x --no-pager -t self-heal "MESSAGE_ID=$decision_id" SELF_HEAL_DECISION=duplicate-notification)
assert_contains "$explained" "Subject: self-heal decided what to do with an alert" "journalctl -x: catalog subject"
assert_contains "$explained" "The alert DiskSpaceLow on instance web-1:9100" "journalctl -x: catalog text with the fields"
assert_contains "$explained" "journalctl SELF_HEAL_FINGERPRINT=82cf4c324f050464" "journalctl -x: how to see the whole story"
explained=$(in_container journalctl -b -x --no-pager -t self-heal "MESSAGE_ID=$rejected_id")
assert_contains "$explained" "Subject: self-heal rejected a request" "journalctl -x: rejection subject"
assert_contains "$explained" "was rejected and nothing was acted on:" "journalctl -x: rejection text"
assert_contains "$explained" "(POST '/', HTTP 401)" "journalctl -x: the message carries the status"
# An unknown @FIELD@ is printed as its bare name: "answered with HTTP SELF_HEAL_HTTP_STATUS".
unfilled=$(in_container journalctl -b -x --no-pager -t self-heal | grep '^░░' | grep -E 'SELF_HEAL_[A-Z_]+([^A-Z_=]|$)')
assert_eq "" "$unfilled" "journalctl -x: every catalog placeholder filled in, in every self-heal entry"
# Every MESSAGE_ID the code uses is in the installed catalog.
ids=$(grep -o '"[0-9a-f]\{32\}"' "$IT_DATA_HOST/../../../src/journal/journal.cpp" | tr -d '"' \
  | grep -vx '0\{32\}' | sort -u)    # all zeros: the fallback for an unknown type
catalog=$(in_container journalctl --list-catalog --no-pager)
missing=$(while read -r id; do grep -q "^$id " <<<"$catalog" || echo "$id"; done <<<"$ids")
assert_eq "" "$missing" "all $(wc -l <<<"$ids") MESSAGE_IDs of src/journal/journal.cpp are in the installed catalog"

# --- no secret, anywhere ---------------------------------------------------------------
export_all=$(in_container journalctl --no-pager -o export)
# (so that the checks below are not vacuous)
assert_that "the journal holds the 401 rejections" grep -a -q -x "SELF_HEAL_HTTP_STATUS=401" <<<"$export_all"
assert_that "the journal holds the handler's environment" \
  grep -a -q -x "MESSAGE=SELF_HEAL_ALERTNAME=ServiceDown" <<<"$export_all"
assert_eq 0 "$(grep -a -c -F -- "$secret" <<<"$export_all")" \
  "the secret does not appear in the journal (journalctl -o export: every field of every entry)"
assert_eq 0 "$(grep -a -c -F -- "$wrong" <<<"$export_all")" "the wrong token does not appear in the journal"
assert_eq "" "$(in_container grep -r -a -l -F -e "$secret" -e "$wrong" /var/log/journal /run/log/journal 2>/dev/null)" \
  "neither appears in the journal files themselves"

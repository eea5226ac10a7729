#!/usr/bin/env bash
# run.sh CHECK [ARGS] — checks of the Prometheus side shipped in examples/prometheus/,
# with Debian's promtool (package prometheus) and amtool (prometheus-alertmanager).
# Only the tools run: no Prometheus or Alertmanager daemon is started. Registered with
# ctest by tests/prometheus/CMakeLists.txt; each check can also be run by hand:
#
#   tests/prometheus/run.sh check-rules examples/prometheus/heal-rules.yml
#   tests/prometheus/run.sh test-rules tests/prometheus/heal-rules.test.yml
#   tests/prometheus/run.sh check-config examples/prometheus/alertmanager.yml
#   tests/prometheus/run.sh routes examples/prometheus/alertmanager.yml
#   tests/prometheus/run.sh webhook examples/prometheus/alertmanager.yml
#   tests/prometheus/run.sh mutations
#
# A missing tool is a failure with the package to install, never a skip.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

need() {
  local tool=$1 package=$2
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "not ok - $tool is not installed: install the Debian package $package" \
      "(scripts/install-deps, or apt-get install $package); these tests do not skip" >&2
    exit 1
  fi
}

# check-rules FILE...: promtool's syntax and PromQL check.
check_rules() {
  need promtool prometheus
  (($# > 0)) || { echo "usage: run.sh check-rules FILE..." >&2; exit 2; }
  promtool check rules "$@"
}

# test-rules FILE.test.yml...: promtool's unit tests (rule_files relative to each file).
test_rules() {
  need promtool prometheus
  (($# > 0)) || { echo "usage: run.sh test-rules FILE.test.yml..." >&2; exit 2; }
  promtool test rules "$@"
}

# check-config CONFIG: amtool's check, and that the inhibit rule is there.
check_config() {
  need amtool prometheus-alertmanager
  local config=${1:?usage: run.sh check-config CONFIG} out
  out=$(amtool check-config "$config" 2>&1)
  local rc=$?
  echo "$out"
  ((rc == 0)) || { echo "not ok - amtool check-config failed ($rc)"; return 1; }
  if ! grep -q ' - 1 inhibit rules' <<<"$out"; then
    echo "not ok - expected exactly 1 inhibit rule (NodeDown inhibits heal=\"true\")"
    return 1
  fi
  echo "ok - $config is valid, with its inhibit rule"
}

# routes CONFIG: where alerts go, with amtool's own router.
routes() {
  need amtool prometheus-alertmanager
  local config=${1:?usage: run.sh routes CONFIG}
  local failed=0 n=0
  amtool config routes show --config.file="$config" 2>/dev/null
  echo
  # expect RECEIVERS LABEL=VALUE...: the exact comma-separated list of receivers.
  expect() {
    local want=$1 got rc
    shift
    n=$((n + 1))
    got=$(amtool config routes test --config.file="$config" "$@" 2>/dev/null)
    rc=$?
    if ((rc != 0)) || [[ $got != "$want" ]]; then
      echo "not ok $n - {$*} went to '$got' (amtool rc $rc), expected '$want'"
      failed=1
    elif [[ $want != self-heal ]] && grep -qw 'self-heal' <<<"${got//,/ }"; then
      echo "not ok $n - {$*} reached the self-heal receiver"
      failed=1
    else
      echo "ok $n - {$*} -> $got"
    fi
  }
  # heal="true" alerts, each instance: self-heal, and only self-heal.
  expect self-heal alertname=ServiceDown heal=true instance=web-1:9100 job=node \
    name=nginx.service service=nginx severity=critical
  expect self-heal alertname=ServiceDown heal=true instance=web-2:9100 job=node \
    name=nginx.service service=nginx severity=critical
  expect self-heal alertname=DiskSpaceLow heal=true instance=web-1:9100 severity=warning
  # self-heal's escalation, as escalation_payload.cpp labels it: a human, not self-heal,
  # even if it were to carry heal="true".
  expect oncall alertname=SelfHealExhausted instance=web-1:9100 original_alertname=ServiceDown \
    original_heal=true original_severity=critical self_heal_handler=nginx-down \
    severity=critical job=node name=nginx.service service=nginx
  expect oncall alertname=SelfHealExhausted heal=true instance=web-1:9100 severity=critical
  # Alerts without heal="true": people, never self-heal.
  expect ops alertname=ServiceDown instance=web-1:9100 name=nginx.service severity=critical
  expect ops alertname=ServiceDown heal=false instance=web-1:9100
  expect ops alertname=ServiceDown heal=True instance=web-1:9100
  expect ops alertname=NodeDown instance=web-1:9100 job=node severity=critical
  # self-heal's own alerts: people, even with heal="true" added by mistake.
  expect ops alertname=SelfHealBreakerOpen handler=nginx-down instance=web-1:9100 severity=warning
  expect ops alertname=SelfHealMetricsStale heal=true instance=web-1:9100 severity=warning
  ((failed == 0)) && echo "ok - $n routing cases"
  return "$failed"
}

# webhook CONFIG: the self-heal receiver's settings that amtool does not show.
webhook() {
  local config=${1:?usage: run.sh webhook CONFIG} block failed=0
  # The receiver's block: from "- name: self-heal" to the next receiver.
  block=$(awk '/^  - name: self-heal$/ {on = 1; print; next}
               on && /^  - name: / {exit}
               on {print}' "$config")
  [[ -n $block ]] || { echo "not ok - no receiver '  - name: self-heal' in $config"; return 1; }
  check() {
    if grep -qE "$1" <<<"$block"; then
      echo "ok - self-heal receiver: $2"
    else
      echo "not ok - self-heal receiver: $2 (no line matching /$1/)"
      failed=1
    fi
  }
  check '^      - url: http://127\.0\.0\.1:9095/$' 'url http://127.0.0.1:9095/'
  check '^        send_resolved: true$' 'send_resolved: true'
  check '^        max_alerts: 1$' 'max_alerts: 1'
  check '^        # http_config:$' 'http_config present, commented'
  check '^        #     credentials_file: ' 'authorization.credentials_file present, commented'
  # Uncommented, the http_config block is valid: a user can just remove the '# '.
  need amtool prometheus-alertmanager
  local uncommented
  uncommented=$(mktemp) || return 1
  sed -E '/^        # http_config:$/,/^        #     credentials_file: /s/^        # /        /' \
    "$config" >"$uncommented"
  if grep -q '^        http_config:$' "$uncommented" &&
    amtool check-config "$uncommented" >/dev/null 2>&1; then
    echo "ok - self-heal receiver: the commented http_config passes amtool once uncommented"
  else
    echo "not ok - self-heal receiver: the commented http_config is not valid once uncommented:"
    amtool check-config "$uncommented" 2>&1 | sed 's/^/    /'
    failed=1
  fi
  rm -f "$uncommented"
  # The heal route groups by alertname and instance (so max_alerts: 1 drops nothing).
  if awk '/matchers: \[.heal="true"/ {on = 1; next} on && /group_by:/ {print; exit}' "$config" |
    grep -qE '^ +group_by: \[alertname, instance\]$'; then
    echo "ok - heal route: group_by: [alertname, instance]"
  else
    echo "not ok - heal route: group_by: [alertname, instance] not found after its matchers"
    failed=1
  fi
  return "$failed"
}

# mutations: broken copies of the rules and config must fail the checks above. Works
# on copies in a temporary directory, never on the files in the tree.
mutations() {
  need promtool prometheus
  need amtool prometheus-alertmanager
  local failed=0 n=0
  tmp=$(mktemp -d) || exit 1 # global: the EXIT trap runs after this function returned
  trap 'rm -rf "$tmp"' EXIT
  fresh() {
    rm -rf "$tmp/tree"
    mkdir -p "$tmp/tree/examples/prometheus" "$tmp/tree/tests/prometheus"
    cp "$root"/examples/prometheus/*.yml "$tmp/tree/examples/prometheus/"
    cp "$root"/tests/prometheus/*.test.yml "$tmp/tree/tests/prometheus/"
  }
  # The unmutated copy passes, or the mutations prove nothing.
  fresh
  if ! (cd "$tmp/tree/tests/prometheus" && promtool test rules ./*.test.yml >/dev/null 2>&1); then
    echo "not ok - the unmutated rules fail their tests; fix those first"
    return 1
  fi
  # mutate rules|routes FILE WHAT OLD NEW: replace the first OLD in a fresh copy of FILE
  # by NEW; then promtool test rules (rules) or the routing cases (routes) must fail.
  mutate() {
    local kind=$1 file=$2 what=$3 old=$4 new=$5
    n=$((n + 1))
    fresh
    if ! OLD=$old NEW=$new python3 - "$tmp/tree/examples/prometheus/$file" <<'EOF'
import os, sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
old, new = os.environ["OLD"], os.environ["NEW"]
if old not in text:
    sys.exit(f"the text to break is not in {path}: {old!r}")
open(path, "w", encoding="utf-8").write(text.replace(old, new, 1))
EOF
    then
      echo "not ok $n - cannot apply mutation: $what"
      failed=1
      return
    fi
    local survived=0
    case $kind in
      rules)
        if (cd "$tmp/tree/tests/prometheus" && promtool test rules ./*.test.yml) >/dev/null 2>&1; then
          survived=1
        fi
        ;;
      routes)
        if (routes "$tmp/tree/examples/prometheus/$file") >/dev/null 2>&1; then
          survived=1
        fi
        ;;
    esac
    if ((survived)); then
      echo "not ok $n - the tests still pass with: $what"
      failed=1
    else
      echo "ok $n - caught: $what"
    fi
  }
  mutate rules heal-rules.yml 'ServiceDown without heal="true"' \
    $'          heal: "true"\n' ''
  mutate rules heal-rules.yml 'ServiceDown with for: 1m' \
    'for: 2m' 'for: 1m'
  mutate rules heal-rules.yml 'ServiceDown with for: 3m' \
    'for: 2m' 'for: 3m'
  mutate rules heal-rules.yml 'ServiceDown for every unit (allow-list dropped)' \
    'name="nginx.service"}' 'name=~".+"}'
  mutate rules heal-rules.yml 'ServiceDown on state="failed" instead of "active"' \
    'state="active", name="nginx.service"}' 'state="failed", name="nginx.service"}'
  mutate rules heal-rules.yml 'ServiceDown keeping state and type labels' \
    'max by (instance, job, name) (' 'max without () ('
  mutate rules heal-rules.yml 'NodeDown for any job' \
    'up{job="node"} == 0' 'up == 0'
  mutate rules self-monitoring-rules.yml 'SelfHealBreakerOpen past its window too' \
    'self_heal_breaker_open_until_seconds > time()' 'self_heal_breaker_open_until_seconds > 0'
  mutate rules self-monitoring-rules.yml 'SelfHealBreakerOpen on the 0/1 gauge (stays after the window)' \
    'self_heal_breaker_open_until_seconds > time()' 'self_heal_breaker_open == 1'
  mutate rules self-monitoring-rules.yml 'SelfHealBreakerOpen with for: 9m' \
    $'        expr: self_heal_breaker_open_until_seconds > time()\n        # Longer than the escalation needs to get through, so that normally a human\n        # gets SelfHealExhausted first and this only when that did not arrive.\n        for: 10m' \
    $'        expr: self_heal_breaker_open_until_seconds > time()\n        # Longer than the escalation needs to get through, so that normally a human\n        # gets SelfHealExhausted first and this only when that did not arrive.\n        for: 9m'
  mutate rules self-monitoring-rules.yml 'SelfHealPaused for any value (not paused too)' \
    'self_heal_paused_until_seconds > time()' 'self_heal_paused_until_seconds >= 0'
  mutate rules self-monitoring-rules.yml 'SelfHealPaused with for: 3h' \
    $'        expr: self_heal_paused_until_seconds > time()\n        for: 4h' \
    $'        expr: self_heal_paused_until_seconds > time()\n        for: 3h'
  mutate rules self-monitoring-rules.yml 'SelfHealEscalationsStuck with for: 20m' \
    $'        expr: self_heal_outbox_depth > 0\n        for: 30m' $'        expr: self_heal_outbox_depth > 0\n        for: 20m'
  mutate rules self-monitoring-rules.yml 'SelfHealEscalationsStuck with for: 40m' \
    $'        expr: self_heal_outbox_depth > 0\n        for: 30m' $'        expr: self_heal_outbox_depth > 0\n        for: 40m'
  mutate rules self-monitoring-rules.yml 'SelfHealWebhooksRejected counting client-abort' \
    '{reason!="client-abort"}' '{}'
  mutate rules self-monitoring-rules.yml 'SelfHealWebhooksRejected without the reason label' \
    'sum by (instance, job, reason) (' 'sum by (instance, job) ('
  mutate rules self-monitoring-rules.yml 'SelfHealAlertsLeftOut on any count ever' \
    'increase(self_heal_truncated_alerts_total[1h]) > 0' 'self_heal_truncated_alerts_total >= 0'
  mutate rules self-monitoring-rules.yml 'SelfHealUnitFailed for any self-heal* unit' \
    'name=~"self-heal\\.(socket|service)"' 'name=~"self-heal.*"'
  mutate rules self-monitoring-rules.yml 'SelfHealUnitFailed for the service only' \
    'name=~"self-heal\\.(socket|service)"' 'name="self-heal.service"'
  mutate rules self-monitoring-rules.yml 'SelfHealUnitFailed with for: 4m' \
    $'          ) == 1\n        for: 5m' $'          ) == 1\n        for: 4m'
  mutate rules self-monitoring-rules.yml 'SelfHealUnitFailed with for: 6m' \
    $'          ) == 1\n        for: 5m' $'          ) == 1\n        for: 6m'
  mutate rules self-monitoring-rules.yml 'SelfHealBreakerOpen with heal="true"' \
    $'          severity: warning\n' $'          severity: warning\n          heal: "true"\n'
  mutate rules self-monitoring-rules.yml 'SelfHealHandlerFailing without the first-failure term' \
    'unless self_heal_attempts_total{result=~"failed|gave-up"} offset 1h' \
    'unless self_heal_attempts_total{result=~"failed|gave-up"}'
  mutate rules self-monitoring-rules.yml 'SelfHealHandlerFailing ignoring gave-up' \
    'result=~"failed|gave-up"}[1h]' 'result="failed"}[1h]'
  mutate rules self-monitoring-rules.yml 'SelfHealHandlerFailing without the last-run guard' \
    'and on (instance) time() - self_heal_last_run_timestamp_seconds < 3600' \
    'and on (instance) time() - self_heal_last_run_timestamp_seconds < 1e12'
  mutate rules self-monitoring-rules.yml 'SelfHealEscalationQueued on any escalation ever' \
    'increase(self_heal_escalations_total[1h]) > 0' 'self_heal_escalations_total > 0'
  mutate rules self-monitoring-rules.yml 'SelfHealMetricsUnreadable on any textfile error' \
    $'node_textfile_scrape_error == 1\n          unless on (instance)\n          node_textfile_mtime_seconds{file=~"(.*/)?self-heal\\\\.prom"}' \
    'node_textfile_scrape_error == 1'
  mutate rules self-monitoring-rules.yml 'file label matched as a bare name (node_exporter 1.5 gives the full path)' \
    'node_textfile_mtime_seconds{file=~"(.*/)?self-heal\\.prom"}' 'node_textfile_mtime_seconds{file="self-heal.prom"}'
  mutate rules self-monitoring-rules.yml 'SelfHealMetricsStale after 1m instead of 15m' \
    'time() - 900' 'time() - 60'
  mutate rules self-monitoring-rules.yml 'SelfHealMetricsStale keeping heal="true" of the heal alert' \
    'max by (instance) (ALERTS_FOR_STATE{heal="true"} < time() - 900)' \
    '(ALERTS_FOR_STATE{heal="true"} < time() - 900)'
  mutate routes alertmanager.yml 'heal route matching any heal value' \
    $'\'heal="true"\', \'alertname!="SelfHealExhausted"\'' $'\'heal=~".*"\', \'alertname!="SelfHealExhausted"\''
  mutate routes alertmanager.yml 'SelfHealExhausted route continuing' \
    $'      repeat_interval: 4h\n      continue: false' $'      repeat_interval: 4h\n      continue: true'
  mutate routes alertmanager.yml 'SelfHealExhausted to ops' \
    $'    - matchers: [\'alertname="SelfHealExhausted"\']\n      receiver: oncall' \
    $'    - matchers: [\'alertname="SelfHealExhausted"\']\n      receiver: ops'
  ((failed == 0)) && echo "ok - all $n broken copies were caught"
  return "$failed"
}

cmd=${1:-}
shift || true
case $cmd in
  check-rules) check_rules "$@" ;;
  test-rules) test_rules "$@" ;;
  check-config) check_config "$@" ;;
  routes) routes "$@" ;;
  webhook) webhook "$@" ;;
  mutations) mutations "$@" ;;
  *)
    echo "usage: run.sh check-rules|test-rules|check-config|routes|webhook|mutations ARGS" >&2
    exit 2
    ;;
esac

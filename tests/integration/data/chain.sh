# shellcheck shell=bash
# chain.sh — the chain a user runs, inside a harness container: Debian's real
# prometheus (2.42), prometheus-alertmanager (0.25) and prometheus-node-exporter, on
# loopback, configured from the examples the package installed under
# /usr/share/self-heal/prometheus/ with only the intervals changed (and the unit the
# rule watches). A shipped example that no longer has the line a test changes fails
# the setup, naming it. Sourced after lib/harness.sh and data/handlers/scenario-lib.sh
# (scenarios 4x) or by scripts/demo, after container_boot and the install.
#
# The pieces, each a systemd unit inside the container:
#   prometheus-node-exporter.service  the packaged unit (unmasked), on 127.0.0.1:9101:
#                                     the real service that is stopped and healed
#   chain-watch-exporter.service      node_exporter's systemd collector on
#                                     127.0.0.1:9100, Prometheus's job "node": it reports
#                                     the state of prometheus-node-exporter.service (a
#                                     service cannot report its own absence), and
#                                     self-heal's metrics (textfile collector)
#   chain-prometheus.service          prometheus on 127.0.0.1:9090, scrape and
#                                     evaluation every 1 s, the shipped heal rules
#   chain-alertmanager-NAME.service   prometheus-alertmanager on 127.0.0.1:PORT, the
#                                     shipped config, --cluster.listen-address= (none)
#
#   chain_setup [--for S] [--node-for S] [--am NAME:PORT]... [--am-edit SPEC]...
#               [--jobs YAML] [--server LINES]
#                     all of it, healthy (configure the handler first: self-heal reads
#                     its config at start); SPEC as for _chain_edit, on alertmanager.yml;
#                     YAML replaces the scrape_configs; LINES go to [Server] of
#                     self-heal.conf. Returns once Prometheus has scraped the unit active
#   chain_rules FOR [NODEDOWN_FOR]   the shipped heal-rules.yml, `for:` FOR, watching
#                     CHAIN_UNIT
#   chain_am_config [SED_SCRIPT]   the shipped alertmanager.yml with test intervals
#   chain_heal_handler NAME [EXTRA_LIMIT_LINES]   restart-service for CHAIN_UNIT, the
#                     exact sudoers line
#   chain_prom_alerts / chain_am_alerts [PORT]    the APIs' alerts (JSON)
#   chain_prom_state ALERTNAME        pending, firing or "" (Prometheus /api/v1/alerts)
#   chain_am_state ALERTNAME [PORT]   active, suppressed or "" (Alertmanager /api/v2/alerts)
#   chain_first_sample SELECTOR [VALUE]   timestamp of its first raw sample [of VALUE]
#   chain_jtime [--last] FIELD=VALUE...   __REALTIME_TIMESTAMP (s) of the first (last) match
#   chain_elapsed FROM TO             TO - FROM in seconds, two decimals

CHAIN_SHARE=/usr/share/self-heal/prometheus   # inside: what the package installed
CHAIN_DIR=/var/lib/self-heal-chain            # inside: generated configs and data
CHAIN_UNIT=prometheus-node-exporter.service   # the service healed
CHAIN_INSTANCE=127.0.0.1:9100                 # its alert's instance (the watcher)
CHAIN_PROM=127.0.0.1:9090
CHAIN_AM_PORTS=()                             # the Alertmanagers started
CHAIN_FOR=2s
# The test intervals. group_interval is also when a resolved notification goes out
# and (Alertmanager 0.25) its webhook timeout; DedupWindowSec= stays below it.
CHAIN_GROUP_WAIT=1s CHAIN_GROUP_INTERVAL=2s CHAIN_REPEAT_INTERVAL=1h
CHAIN_DEDUP=1s
CHAIN_IDLE=5s   # self-heal's IdleTimeoutSec=

_chain_fail() { die "chain setup: $*"; }

# _chain_edit SRC DST "PATTERN@@REPLACEMENT@@COUNT"...: copy SRC (inside) to DST with
# each sed -E substitution applied, after checking that PATTERN matches exactly COUNT
# lines: a shipped example that drifted fails here, naming the line.
_chain_edit() {
  local src=$1 dst=$2 text spec pat rep want got d=$'\001'; shift 2
  text=$(cat "$CT_ROOT$src") || _chain_fail "cannot read $src (not installed by the package?)"
  for spec in "$@"; do
    pat=${spec%%@@*} rep=${spec#*@@}; want=${rep#*@@} rep=${rep%@@*}
    got=$(grep -cE -- "$pat" <<<"$text")
    [[ $got == "$want" ]] || _chain_fail "$src: expected $want line(s) matching '$pat', found $got (the shipped example changed)"
    text=$(sed -E "s$d$pat$d$rep$d" <<<"$text")
  done
  if ! mkdir -p "$(dirname "$CT_ROOT$dst")" || ! printf '%s\n' "$text" >"$CT_ROOT$dst"; then
    _chain_fail "cannot write $dst"
  fi
}

chain_rules() {  # chain_rules FOR [NODEDOWN_FOR]
  # The rules' for: (ServiceDown's first, then NodeDown's), and the unit ServiceDown
  # watches.
  _chain_edit "$CHAIN_SHARE/heal-rules.yml" "$CHAIN_DIR/heal-rules.yml" \
    "^( +)for: 2m\$@@\\1for: __FOR__@@2" \
    "name=\"nginx\\.service\"@@name=\"$CHAIN_UNIT\"@@1"
  sed -i -E "0,/__FOR__/s//$1/; s/__FOR__/${2:-$1}/" "$CT_ROOT$CHAIN_DIR/heal-rules.yml"
  local out
  out=$(in_container promtool check rules "$CHAIN_DIR/heal-rules.yml" 2>&1) \
    || _chain_fail "promtool check rules refused the generated rules: $out"
}

chain_am_config() {  # chain_am_config DST [EXTRA "PATTERN|REPLACEMENT|COUNT"...]
  local dst=$1; shift
  _chain_edit "$CHAIN_SHARE/alertmanager.yml" "$dst" \
    "^( +)group_wait: (30s|10s)\$@@\\1group_wait: $CHAIN_GROUP_WAIT@@3" \
    "^( +)group_interval: 5m\$@@\\1group_interval: $CHAIN_GROUP_INTERVAL@@2" \
    "^( +)repeat_interval: (4h|30m)\$@@\\1repeat_interval: $CHAIN_REPEAT_INTERVAL@@3" \
    "^( +)- url: http://127\\.0\\.0\\.1:9095/\$@@\\1- url: http://127.0.0.1:9095/@@1" \
    "$@"
  local out
  out=$(in_container amtool check-config "$dst" 2>&1) \
    || _chain_fail "amtool check-config refused the generated config: $out"
}

_chain_run() {  # _chain_run UNIT [systemd-run args] -- CMD...
  local unit=$1 out; shift
  out=$(in_container systemd-run --quiet --unit="$unit" --collect "$@" 2>&1) \
    || _chain_fail "cannot start $unit: $out"
}

_chain_listening() { in_container ss -Hltn "sport = :$1" | grep -q "127.0.0.1:$1"; }
_chain_http_ok() { in_container curl -sf --max-time 2 -o /dev/null "$1"; }

chain_exporters() {
  # The packaged unit, unmasked, on 9101 (9100 is the watcher's): its own defaults
  # file, as an operator would write it.
  container_unmask "$CHAIN_UNIT" || _chain_fail "cannot unmask $CHAIN_UNIT"
  printf 'ARGS="--web.listen-address=127.0.0.1:9101"\n' >"$CT_ROOT/etc/default/prometheus-node-exporter"
  in_container systemctl daemon-reload
  in_container systemctl start "$CHAIN_UNIT" || _chain_fail "cannot start $CHAIN_UNIT"
  _chain_run chain-watch-exporter -p User=prometheus -- /usr/bin/prometheus-node-exporter \
    --web.listen-address="$CHAIN_INSTANCE" --collector.disable-defaults --collector.systemd \
    "--collector.systemd.unit-include=${CHAIN_UNIT//./\\.}" \
    --collector.textfile --collector.textfile.directory=/var/lib/prometheus/node-exporter
  wait_until 10 _chain_http_ok "http://127.0.0.1:9101/metrics" || _chain_fail "$CHAIN_UNIT does not answer on 127.0.0.1:9101"
  wait_until 10 _chain_http_ok "http://$CHAIN_INSTANCE/metrics" || _chain_fail "the watcher does not answer on $CHAIN_INSTANCE"
}

chain_prometheus() {  # chain_prometheus [SCRAPE_CONFIGS_YAML]: job node on the watcher by default
  local jobs=${1:-"  - job_name: node
    static_configs:
      - targets: ['$CHAIN_INSTANCE']"} targets='' port
  for port in "${CHAIN_AM_PORTS[@]}"; do targets+="'127.0.0.1:$port', "; done
  mkdir -p "$CT_ROOT$CHAIN_DIR/prometheus"
  cat >"$CT_ROOT$CHAIN_DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $CHAIN_DIR/heal-rules.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: [${targets%, }]
scrape_configs:
$jobs
EOF
  local out
  out=$(in_container promtool check config "$CHAIN_DIR/prometheus.yml" 2>&1) \
    || _chain_fail "promtool check config: $out"
  in_container chown prometheus "$CHAIN_DIR/prometheus"
  _chain_run chain-prometheus -p User=prometheus -- /usr/bin/prometheus \
    --config.file="$CHAIN_DIR/prometheus.yml" --storage.tsdb.path="$CHAIN_DIR/prometheus" \
    --web.listen-address="$CHAIN_PROM"
  wait_until 30 _chain_http_ok "http://$CHAIN_PROM/-/ready" || _chain_fail "Prometheus is not ready on $CHAIN_PROM"
}

chain_alertmanager() {  # chain_alertmanager NAME PORT CONFIG
  local name=$1 port=$2 config=$3
  mkdir -p "$CT_ROOT$CHAIN_DIR/am-$name"
  in_container chown prometheus "$CHAIN_DIR/am-$name"
  _chain_run "chain-alertmanager-$name" -p User=prometheus -- /usr/bin/prometheus-alertmanager \
    --config.file="$config" --storage.path="$CHAIN_DIR/am-$name" \
    --web.listen-address="127.0.0.1:$port" --web.external-url="http://am-$name.test:$port/" \
    --cluster.listen-address=
  wait_until 20 _chain_http_ok "http://127.0.0.1:$port/-/ready" || _chain_fail "Alertmanager $name is not ready on 127.0.0.1:$port"
}

# The shipped restart-service handler for CHAIN_UNIT, and the exact sudoers line.
chain_heal_handler() {  # chain_heal_handler NAME [LIMIT_LINES]
  cat >"$CT_ROOT/etc/self-heal/handlers.d/$1.conf" <<EOF
[Match]
AlertName=ServiceDown
Instance=$CHAIN_INSTANCE
Label=service=${CHAIN_UNIT%.service}
[Run]
Exec=/usr/lib/self-heal/handlers/restart-service --verify-sec=10 --stable-sec=1 $CHAIN_UNIT
User=healer
TimeoutSec=30s
Mode=run
[Limit]
${2:-MaxAttempts=3
Window=1h}
EOF
  install -m 0440 /dev/stdin "$CT_ROOT/etc/sudoers.d/self-heal-chain" <<EOF
healer ALL=(root) NOPASSWD: /usr/bin/systemctl restart $CHAIN_UNIT
EOF
  local out
  out=$(in_container visudo -cq 2>&1) || _chain_fail "visudo: $out"
}

# Escalations go to the first Alertmanager; with CHAIN_ESCALATE_ALL=1 to every one,
# space separated (needs the several-URL AlertmanagerURL= of the escalation work).
_chain_escalate_urls() {
  local port urls=''
  for port in "${CHAIN_AM_PORTS[@]}"; do
    urls+="http://127.0.0.1:$port "
    [[ ${CHAIN_ESCALATE_ALL:-0} == 1 ]] || break
  done
  echo "${urls% }"
}

# self-heal.conf for the chain; serve exits when idle between notifications, as it
# does for real. CHAIN_ESCALATION_LINES: more [Escalation] keys.
chain_conf() {  # chain_conf [SERVER_LINES]
  cat >"$CT_ROOT/etc/self-heal/self-heal.conf" <<EOF
[Server]
IdleTimeoutSec=$CHAIN_IDLE
${1:-}
[Policy]
DedupWindowSec=$CHAIN_DEDUP
[Escalation]
AlertmanagerURL=$(_chain_escalate_urls)
${CHAIN_ESCALATION_LINES:-}
[Metrics]
TextfilePath=/var/lib/prometheus/node-exporter/self-heal.prom
EOF
}

_chain_unit_scraped_active() {
  [[ $(chain_query "node_systemd_unit_state{name=\"$CHAIN_UNIT\",state=\"active\"}" | jq -r '.[0].value[1] // empty') == 1 ]]
}

# shellcheck disable=SC2120 # every argument is optional
chain_setup() {  # chain_setup [--for S] [--node-for S] [--am NAME:PORT]... [--am-edit SPEC]... [--jobs YAML] [--server LINES]
  local ams=() edits=() jobs='' conf='' am node_for=''
  while (($#)); do
    case $1 in
      --for) CHAIN_FOR=$2; shift 2 ;;
      --node-for) node_for=$2; shift 2 ;;
      --am) ams+=("$2"); shift 2 ;;
      --am-edit) edits+=("$2"); shift 2 ;;
      --jobs) jobs=$2; shift 2 ;;
      --server) conf=$2; shift 2 ;;
      *) _chain_fail "chain_setup: unknown option $1" ;;
    esac
  done
  ((${#ams[@]})) || ams=(a:9093)
  for am in "${ams[@]}"; do CHAIN_AM_PORTS+=("${am#*:}"); done
  chain_rules "$CHAIN_FOR" "$node_for"
  chain_am_config "$CHAIN_DIR/alertmanager.yml" "${edits[@]}"
  chain_conf "$conf"
  chain_exporters
  for am in "${ams[@]}"; do chain_alertmanager "${am%%:*}" "${am#*:}" "$CHAIN_DIR/alertmanager.yml"; done
  chain_prometheus "$jobs"
  wait_until 20 _chain_unit_scraped_active || _chain_fail "Prometheus has not scraped $CHAIN_UNIT as active"
}

# Makes the watched service unhealable: every start fails (a drop-in), so a restart by
# the handler never brings it back.
chain_break_service() {
  install -D -m 0644 /dev/stdin "$CT_ROOT/etc/systemd/system/$CHAIN_UNIT.d/broken.conf" <<'EOT'
[Service]
ExecStartPre=/bin/false
Restart=no
EOT
  in_container systemctl daemon-reload
}

chain_query() {  # chain_query PROMQL -> the result array
  in_container curl -sS --max-time 5 -G "http://$CHAIN_PROM/api/v1/query" --data-urlencode "query=$1" |
    jq -c '.data.result'
}
chain_prom_alerts() { in_container curl -sS --max-time 5 "http://$CHAIN_PROM/api/v1/alerts" | jq -c '.data.alerts'; }
chain_am_alerts() { in_container curl -sS --max-time 5 "http://127.0.0.1:${1:-${CHAIN_AM_PORTS[0]}}/api/v2/alerts"; }
chain_prom_state() {
  chain_prom_alerts | jq -r --arg a "$1" '[.[] | select(.labels.alertname == $a) | .state] | first // ""'
}
chain_am_state() {
  chain_am_alerts "${2:-}" | jq -r --arg a "$1" '[.[] | select(.labels.alertname == $a) | .status.state] | first // ""'
}
# The timestamp (seconds) of the first raw sample of a selector in the last 10m
# [with that value].
chain_first_sample() {  # chain_first_sample SELECTOR [VALUE]
  chain_query "$1[10m]" | jq -r --arg v "${2:-}" \
    '[.[].values[] | select($v == "" or .[1] == $v) | .[0]] | min // empty'
}
# systemd's "Started UNIT" (catalog), logged by PID 1 with UNIT=.
# shellcheck disable=SC2034 # for the scenarios
MSG_UNIT_STARTED=39f53479d3a045ac8e11786248231fbf
chain_jtime() {  # chain_jtime [--last] FIELD=VALUE...: realtime of the first (last) match, s
  local us pick=head
  [[ $1 == --last ]] && { pick="tail"; shift; }
  us=$(in_container journalctl --no-pager -o json "$@" 2>/dev/null | "$pick" -n 1 | jq -r '.__REALTIME_TIMESTAMP // empty')
  [[ -n $us ]] && printf '%d.%06d\n' $((us / 1000000)) $((us % 1000000))
}
chain_elapsed() {  # chain_elapsed FROM TO
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "?"; else printf "%.2f", b - a }'
}

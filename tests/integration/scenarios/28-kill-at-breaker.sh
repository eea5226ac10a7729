#!/bin/bash
# SIGKILL of serve at the moment a decision opens a breaker still gets exactly one
# escalation delivered: the opening and its outbox row commit together, and the serve
# that systemd starts for Alertmanager's retry wakes the deliverer for what the outbox
# holds. The kill is exact, by strace's fault injection, at serve's sendmsg() right
# after that commit: (a) the decision's journal entry, (b) the escalation's entry at
# crit (before the deliverer is woken). 20 keys, each killed once, alternating (a), (b).
#
# Each round takes at least 2.5 s: serve and the deliverer are each started once per
# round, and both units allow 5 starts in 10 s (StartLimitBurst=).
#
# A decision opens a breaker when results did not: here MaxAttempts= was lowered (5 to
# 2) after two failed runs of each key, so the next notification finds the budget spent.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"

it_boot killbrk

n=20
port=19093
received=/var/lib/self-heal-test/received.jsonl
instances=$(for ((i = 0; i < n; i++)); do printf 'k-%02d ' "$i"; done)
it_conf <<EOF
[Escalation]
# Every body the receiver gets is a delivery here: the re-sends of an active
# escalation (each ResendIntervalSec=) are scenario 46's subject.
ResendIntervalSec=1h
AlertmanagerURL=http://127.0.0.1:$port
EOF
lost_handler() {  # lost_handler MAX_ATTEMPTS
  it_handler lost <<EOF
[Match]
AlertName=Lost
Instance=$instances
[Run]
Exec=$IT_BIN/test-handler 1
TimeoutSec=20s
[Limit]
MaxAttempts=$1
Window=1h
EOF
}
lost_handler 5
assert_ok in_container self-heal check

receiver_up() { in_container ss -Hltn "sport = :$port" | grep -q "127.0.0.1:$port"; }
assert_ok in_container systemd-run --quiet --unit=am-receiver --collect \
  /usr/bin/python3 "$IT_BIN/am-receiver.py" "$port" "$received"
assert_that "the stand-in Alertmanager listens on 127.0.0.1:$port" wait_until 5 receiver_up
nbodies() {  # escalations received for instance $1
  in_container cat "$received" 2>/dev/null |
    jq -c --arg i "$1" 'select(.body[0].labels.instance == $i)' | grep -c '^{'
}
has_body() { (( $(nbodies "$1") >= 1 )); }
no_lost_units() { ! in_container systemctl list-units --all --no-legend 'self-heal-lost-*' | grep -q .; }

# --- two failed runs per key: 2 of 5 used, no breaker ---------------------------------
for round in 1 2; do
  launched=0
  for inst in $instances; do
    answer=$(it_post "$(it_payload --alertname Lost --instance "$inst" --starts "$round")")
    [[ $(it_decisions "$answer") == launch ]] && launched=$((launched + 1))
  done
  assert_eq "$n" "$launched" "round $round: each of the $n keys is launched"
  assert_that "round $round: all results are in" \
    it_wait_count $((round * n)) 20 "MESSAGE_ID=$MSG_RESULT" SELF_HEAL_ALERTNAME=Lost
  wait_until 10 no_lost_units
done
assert_eq "0 $((2 * n))" \
  "$(it_sql "SELECT (SELECT COUNT(*) FROM breakers), COUNT(*) FROM attempts WHERE outcome = 'failed'" | tr '|' ' ')" \
  "store: $((2 * n)) failed attempts, no breaker yet"

# The operator lowers the budget; the next serve reads it.
lost_handler 2
assert_ok in_container self-heal check
assert_ok in_container systemctl stop self-heal.service

# --- the kills ----------------------------------------------------------------------
# kill_at_breaker WHEN INSTANCE: POST Lost INSTANCE to a warm serve, SIGKILL at its
# WHEN-th sendmsg (1 = the receipt's journal entry); prints the MESSAGE it carried.
kill_at_breaker() {
  local when=$1 inst=$2 pid log=$HARNESS_WORKDIR/$CT_NAME.strace strace_pid
  it_post "$(it_payload --alertname NoHandlerHere --instance "warm-$inst")" >/dev/null
  sleep 0.3
  pid=$(it_serve_host_pid)
  [[ -n $pid ]] || { echo "no serve process"; return 1; }
  strace -f -qq -s 120 -p "$pid" -e trace=sendmsg -e inject=sendmsg:signal=SIGKILL:when="$when" -o "$log" &
  strace_pid=$!
  wait_until 5 it_traced "$pid" || { kill "$strace_pid"; echo "strace did not attach"; return 1; }
  it_post "$(it_payload --alertname Lost --instance "$inst" --starts 3)" >/dev/null 2>&1
  wait "$strace_pid"
  grep -o 'MESSAGE=[^"]*' "$log" | tail -1
  rm -f "$log"
}

if ! command -v strace >/dev/null; then
  _result 1 "strace is installed (scripts/install-deps): the exact kills need it"
else
  start=$EPOCHREALTIME
  killed_right=0 retried=0 delivered=0
  for ((i = 0; i < n; i++)); do
    round_start=$EPOCHREALTIME
    inst=$(printf 'k-%02d' "$i")
    if ((i % 2 == 0)); then
      when=2 want="MESSAGE=Decided breaker-open for 'Lost' on '$inst'"
    else
      when=3 want="MESSAGE=Breaker opened for 'Lost' on '$inst'"
    fi
    hit=$(kill_at_breaker "$when" "$inst")
    if [[ $hit == "$want"* ]]; then
      killed_right=$((killed_right + 1))
    else
      diag "$inst: SIGKILL at sendmsg $when hit '${hit:0:90}', wanted '$want'"
    fi
    sleep 0.2
    # Alertmanager's retry of the notification that got no answer.
    answer=$(it_post "$(it_payload --alertname Lost --instance "$inst" --starts 3)")
    # The dedup key committed with the opening: the same notification is a duplicate.
    [[ $(it_decisions "$answer") == duplicate-notification ]] && retried=$((retried + 1))
    if wait_until 10 has_body "$inst"; then
      delivered=$((delivered + 1))
    else
      diag "$inst: nothing delivered; store: escalated=$(it_sql "SELECT escalated FROM breakers WHERE instance = '$inst'"), queued=$(it_sql "SELECT COUNT(*) FROM escalations WHERE instance = '$inst'")"
      diag "$(in_container systemctl show -p Id,ActiveState,Result self-heal.socket self-heal.service self-heal-escalations.path self-heal-escalations.service | paste -sd' ')"
    fi
    left=$(( 2500000 - ($(_usec) - $(_usec "$round_start")) ))
    ((left > 0)) && sleep "$((left / 1000000)).$(printf '%06d' $((left % 1000000)))"
  done
  diag "$n kills and retries in $(_elapsed "$start") s"
  assert_eq "$n" "$killed_right" \
    "each SIGKILL landed right after the opening's commit: (a) the decision entry, (b) the escalation entry"
  assert_eq "$n" "$retried" "each retry is answered 2xx, decided duplicate-notification (the opening committed)"
  assert_eq 0 "$(it_count SELF_HEAL_ALERTNAME=Lost SELF_HEAL_ATTEMPT=3)" "no third run of any key"
  assert_eq "$n" "$delivered" "each of the $n breaker openings got its escalation delivered despite the kill"
  started=$(it_count "MESSAGE_ID=fc2ac056a62543c5ab79fc874487b147")
  assert_that "serve was started again from the socket after each kill ($started starts)" test "$started" -gt "$n"
fi

sleep 1.5   # a second delivery would show by now
per_key=$(for inst in $instances; do nbodies "$inst"; done | sort | uniq -c | awk '{ print $2 "x" $1 }' | paste -sd' ')
assert_eq "1x$n" "$per_key" "exactly ONE escalation reached Alertmanager for each of the $n keys"
assert_eq "$n $n $n" \
  "$(it_sql "SELECT (SELECT COUNT(*) FROM breakers WHERE escalated = 1), (SELECT COUNT(*) FROM escalations), (SELECT COUNT(*) FROM escalations WHERE delivered_at IS NOT NULL)" | tr '|' ' ')" \
  "store: $n breakers escalated, $n escalations queued, all delivered"
assert_not_contains "$(in_container self-heal status 2>&1)" "not yet delivered" "nothing is pending"
assert_eq 0 "$(it_count "MESSAGE_ID=$MSG_ESCALATION" PRIORITY=3)" "no escalation error was journaled"
it_assert_no_orphans

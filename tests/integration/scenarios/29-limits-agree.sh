#!/bin/bash
# MemoryMax= and CPUQuota=: `self-heal check` accepts exactly what systemd accepts,
# and a handler launched with an accepted value gets the value systemd itself gives
# it. Each value of the lists below goes (1) through `self-heal check` in a config of
# its own, (2) through `systemd-run --no-block --property=KEY=VALUE` (systemd's own
# parser and its D-Bus checks: the judge), and, when check accepts it, (3) through
# self-heal: a handler with that limit receives a POST, is decided 'launch' (systemd
# took the unit), and `systemctl show` on its unit gives what it gives on (2).
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"
# shellcheck source=SCRIPTDIR/../data/handlers/scenario-lib.sh
source "$(dirname "$0")/../data/handlers/scenario-lib.sh"

# Values with a blank at either end are left out: the config file trims them.
memory_values=(
  64M 1G 512K 4096 64B 1B 1 1.5K 1.3K 10.M "1G 512M" "1G512M" "64 M" 1K1 +64M 0x10
  16E 15E 18446744073709551615 18446744073709551616 17179869184G
  infinity 20% 12.5% 0.01% 100% 100.00% 50‰ 5000‱ 0x14% 010% " 5%"
  0 0B 0K 0.0001K 0% 0.00% 0‰ 101% 100.01% 150% -1M -0 1.5.5K lots 64m 1MiB 1KB "1M 1G"
  1.% .5% 1.234% -5% "5 %" 5.55‰ 1.5‱ Infinity INFINITY max -1 "%")
cpu_values=(
  50% 200% 12.5% 0.01% 1% 100% 150000% 21474836.47% 21474836.48% 21474837% 99999999%
  5‰ 1‱ 2147483647‱ 2147483648‱ 0x10% 010% 0b11% 0o17% +5% -0.5%
  0% 0.00% 0‱ -5% 50 "50 %" 1.234% 1.% .5% % infinity 50%% "")

it_boot limits

# --- (1) check, one config per value -------------------------------------------
check_verdict() {  # check_verdict KEY VALUE -> "accept" or "refuse: <message>"
  local dir=/var/lib/self-heal-test/check-$RANDOM$RANDOM out
  mkdir -p "$CT_ROOT$dir/handlers.d"
  printf '[Match]\nAlertName=Limit\nInstance=lim\n[Run]\nExec=/bin/true\n%s=%s\n' "$1" "$2" \
    >"$CT_ROOT$dir/handlers.d/h.conf"
  if out=$(in_container self-heal check --config-dir "$dir" 2>&1); then
    echo accept
  else
    echo "refuse: $(grep -m1 "$1=" <<<"$out")"
  fi
  rm -rf "${CT_ROOT:?}$dir"
}

# --- (2) systemd, the judge ------------------------------------------------------
n_run=0
systemd_verdict() {  # systemd_verdict KEY VALUE SHOWN_PROPERTY -> "accept <shown>" or "refuse: <why>"
  local unit=limits-judge-$((++n_run)).service out
  if out=$(in_container systemd-run --no-block --quiet --unit="$unit" \
             --property="$1=$2" -p RemainAfterExit=yes /usr/bin/sleep 300 2>&1); then
    echo "accept $(in_container systemctl show -P "$3" "$unit")"
    in_container systemctl stop "$unit" >/dev/null 2>&1
    in_container systemctl reset-failed "$unit" >/dev/null 2>&1
  else
    echo "refuse: ${out//$'\n'/ }"
  fi
}

# --- (3) self-heal launches it ---------------------------------------------------
declare -A expected_shown handler_of
n_handler=0
compare() {  # compare KEY SHOWN_PROPERTY VALUE...
  local key=$1 shown=$2 value checked judged name
  shift 2
  for value in "$@"; do
    checked=$(check_verdict "$key" "$value")
    judged=$(systemd_verdict "$key" "$value" "$shown")
    diag "$key='$value': check ${checked}; systemd ${judged}"
    if [[ $checked == accept ]]; then
      assert_eq accept "${judged%% *}" "$key='$value': check accepts it and so does systemd"
      name=lim-$((++n_handler))
      handler_of["$key=$value"]=$name
      expected_shown["$key=$value"]=${judged#accept }
      it_handler "$name" <<EOF2
[Match]
AlertName=Limit$n_handler
Instance=lim
[Run]
Exec=$IT_BIN/hang-handler
TimeoutSec=60
$key=$value
EOF2
    else
      assert_eq refuse: "${judged%% *}" "$key='$value': check refuses it and so does systemd"
      assert_contains "$checked" "Invalid value" "$key='$value': check says why"
    fi
  done
}
declare -A shown_property=([MemoryMax]=MemoryMax [CPUQuota]=CPUQuotaPerSecUSec)
compare MemoryMax "${shown_property[MemoryMax]}" "${memory_values[@]}"
compare CPUQuota "${shown_property[CPUQuota]}" "${cpu_values[@]}"

assert_ok in_container self-heal check
for key_value in "${!handler_of[@]}"; do
  name=${handler_of[$key_value]}
  n=${name#lim-}
  unit=$(it_unit "$name" lim)
  answer=$(it_post "$(it_payload --alertname "Limit$n" --instance lim)")
  assert_eq launch "$(it_decisions "$answer")" "'$key_value': self-heal launches it"
  shown=$(in_container systemctl show -P "${shown_property[${key_value%%=*}]}" "$unit" 2>&1)
  if in_container systemctl is-active --quiet "$unit"; then
    assert_eq "${expected_shown[$key_value]}" "$shown" \
      "'$key_value': the handler's unit has the value systemd-run gives it"
  else
    # A limit too small to run in (where the container has the memory controller):
    # the kernel killed the handler and the unit was collected
    # (CollectMode=inactive-or-failed). systemd took it, which is what counts here.
    diag "'$key_value': the handler did not survive its own limit (unit gone)"
  fi
  in_container systemctl stop "$unit" >/dev/null 2>&1
done

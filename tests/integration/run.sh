#!/bin/bash
# run.sh BUILD_DIR [SCENARIO...] — run integration scenarios, each in its own
# throwaway container with real systemd (lib/harness.sh). SCENARIO is a file
# name or a prefix ("00", "00-boot", "scenarios/00-boot.sh"); default: all.
# Prints each scenario's checks and runtime; the last line is
# "N passed, N failed" (scenarios); exits non-zero if any failed.
# Needs root and systemd-nspawn (package systemd-container).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [[ $# -lt 1 || ! -d $1 ]]; then
  echo "usage: $0 BUILD_DIR [SCENARIO...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd); shift
export HARNESS_BUILD_DIR=$build

# shellcheck source=SCRIPTDIR/lib/harness.sh
HARNESS_LIB_ONLY=1 source "$here/lib/harness.sh"
harness_reap_stale

scenarios=()
if [[ $# -eq 0 ]]; then
  scenarios=("$here"/scenarios/*.sh)
else
  for want in "$@"; do
    want=$(basename "${want%.sh}")
    matches=("$here"/scenarios/"$want"*.sh)
    [[ -e ${matches[0]} ]] || { echo "no scenario matches '$want'" >&2; exit 2; }
    scenarios+=("${matches[@]}")
  done
fi

# A scenario runs in the background so that a signal to this script can be
# passed on (background jobs of a script ignore SIGINT); the scenario's own
# trap then tears its container down before we exit.
child=''
interrupted=0
on_signal() {
  interrupted=1
  [[ -n $child ]] && kill -TERM "$child" 2>/dev/null
}
trap on_signal INT TERM

passed=0 failed=0 failed_names=()
for scenario in "${scenarios[@]}"; do
  name=$(basename "$scenario" .sh)
  echo "# --- $name"
  start=$EPOCHREALTIME
  bash "$scenario" &
  child=$!
  # wait returns early when a trapped signal arrives; keep waiting for the
  # scenario to finish its teardown.
  while :; do
    wait "$child"; rc=$?
    kill -0 "$child" 2>/dev/null || break
  done
  child=''
  secs=$(_elapsed "$start")
  if [[ $rc == 0 ]]; then
    passed=$((passed + 1))
    echo "ok - $name (${secs}s)"
  else
    failed=$((failed + 1)); failed_names+=("$name")
    echo "not ok - $name (${secs}s, exit $rc)"
  fi
  ((interrupted)) && { echo "# interrupted"; break; }
done

((failed)) && echo "# failed: ${failed_names[*]}"
echo "$passed passed, $failed failed"
((interrupted)) && exit 130
((failed == 0))

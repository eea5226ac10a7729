#!/usr/bin/env bash
# check_skips.sh LOG... — fails when a log of a test run (GoogleTest's or ctest's
# output) shows a skipped test that tests/skips.txt does not list with a reason.
set -uo pipefail
list=$(dirname "$0")/skips.txt
allowed=$(grep -v '^#' "$list" | awk 'NF >= 2 {print $1}')
# GoogleTest: "[  SKIPPED ] Suite.Name (0 ms)"; ctest: "  196 - Suite.Name (Skipped)".
skipped=$(cat "$@" | sed -nE 's/^\[  SKIPPED \] ([A-Za-z0-9_/]+\.[^ ]+).*/\1/p; s/^[[:space:]]*[0-9]+ - ([^ ]+) \(Skipped\)$/\1/p' | sort -u)
bad=0
for name in $skipped; do
  if grep -qxF "$name" <<<"$allowed"; then
    echo "# skipped, as tests/skips.txt allows: $name"
  else
    echo "not ok - $name was skipped, and tests/skips.txt gives no reason for it"
    bad=1
  fi
done
exit "$bad"

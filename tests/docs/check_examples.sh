#!/usr/bin/env bash
# check_examples.sh SELF_HEAL PAGE — the configuration examples of a man page pass
# `self-heal check`. An example is an .EX/.EE block whose first line is a comment
# naming the file it shows: "# /etc/self-heal/self-heal.conf" or
# "# /etc/self-heal/handlers.d/NAME.conf". They are written, unescaped, into one
# scratch configuration directory, which must then check without an error.
set -uo pipefail
bin=${1:?usage: check_examples.sh SELF_HEAL PAGE}
page=${2:?usage: check_examples.sh SELF_HEAL PAGE}
export LC_ALL=C
dir=$(mktemp -d "${TMPDIR:-/tmp}/self-heal-man-examples.XXXXXX") || exit 1
trap 'rm -rf -- "$dir"' EXIT
mkdir "$dir/handlers.d"

# Each example as files under $dir; prints the files written.
written=$(awk -v dir="$dir" '
  function plain(s) { gsub(/\\-/, "-", s); gsub(/\\e/, "\\", s); gsub(/\\&/, "", s); return s }
  /^\.EX/ { inside = 1; file = ""; first = 1; next }
  /^\.EE/ { if (file != "") close(file); inside = 0; next }
  inside {
    line = plain($0)
    if (first) {
      first = 0
      if (line ~ /^# \/etc\/self-heal\/(self-heal\.conf|handlers\.d\/[A-Za-z0-9_-]+\.conf)$/) {
        file = dir "/" substr(line, length("# /etc/self-heal/") + 1)
        print file
      }
    }
    if (file != "") print line > file
  }' "$page")
count=$(grep -c . <<<"$written")
if ((count < 2)); then
  echo "FAIL: $page shows $count configuration example(s); expected a self-heal.conf and a handler"
  exit 1
fi
out=$("$(dirname "$0")/../check_examples_here.sh" "$bin" "$dir")
rc=$?
if ((rc != 0)); then
  echo "FAIL: the examples of $page do not pass self-heal check:"
  printf '%s\n' "${out//$dir/\/etc\/self-heal}"
  exit 1
fi
echo "ok - the $count configuration examples of $page pass self-heal check"

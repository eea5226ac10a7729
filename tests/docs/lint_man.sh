#!/usr/bin/env bash
# lint_man.sh PAGE — a man page that groff and man(1) format without a single
# warning: `groff -ww -z -man` (every warning, no output) and `man --warnings -l` at
# 80 columns (what a reader's terminal sees). Any output on standard error, or a
# non-zero exit, fails.
set -uo pipefail
page=${1:?usage: lint_man.sh PAGE}
[[ -r $page ]] || { echo "lint_man.sh: cannot read $page" >&2; exit 1; }
for tool in groff man; do
  command -v "$tool" >/dev/null || { echo "lint_man.sh: $tool is not installed" >&2; exit 1; }
done
export LC_ALL=C.UTF-8 MANWIDTH=80 MANPAGER=cat PAGER=cat
failed=0
check() {
  local what=$1 err rc
  shift
  err=$("$@" 2>&1 >/dev/null)
  rc=$?
  if ((rc != 0)) || [[ -n $err ]]; then
    echo "FAIL $what (exit $rc): $page"
    [[ -z $err ]] || printf '%s\n' "$err"
    failed=1
  else
    echo "ok - $what: $page"
  fi
}
check "groff -ww -z -man" groff -ww -z -man "$page"
check "man --warnings -l (MANWIDTH=80)" man --warnings -l "$page"
exit "$failed"

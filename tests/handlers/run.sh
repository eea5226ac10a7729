#!/bin/bash
# tests/handlers/run.sh — tests for handlers.d/handler-lib.sh, handlers.d/restart-service,
# handlers.d/restart-service.conf.example and sudoers.d/self-heal.
#
# No systemd is needed or touched: restart-service runs against a fake `systemctl`,
# `sudo`, `id` and `sleep` put first on PATH, each scripted per test and logging its
# calls. The real-systemd run of restart-service belongs to tests/integration.
# Everything happens under one mktemp -d directory, removed at exit; every handler run
# is bounded by `timeout`, every loop by a count.
#
# usage: tests/handlers/run.sh [-v]       (-v: show the handlers' stderr for every run)
# Prints "ok N - ..." / "not ok N - ...", then "P passed, F failed" as the last line.
# Exits 1 if anything failed. Needs SELF_HEAL_BIN=path/to/self-heal (CMake sets it) to
# run `self-heal check` on the example handler configuration, and both visudo and the
# shell linter (scripts/install-deps installs them): nothing is skipped.

# Handler bodies are written in single quotes on purpose: they expand in the handler.
# shellcheck disable=SC2016

set -uo pipefail

HERE=$(cd "${BASH_SOURCE[0]%/*}" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
LIB=$REPO/handlers.d/handler-lib.sh
HANDLER=$REPO/handlers.d/restart-service
CONF_EXAMPLE=$REPO/handlers.d/restart-service.conf.example
SUDOERS=$REPO/sudoers.d/self-heal
if [[ ! -x ${SELF_HEAL_BIN:-} ]]; then
  echo "tests/handlers/run.sh: SELF_HEAL_BIN must name the built self-heal binary (ctest sets it)" >&2
  exit 2
fi
VERBOSE=""
[[ ${1:-} == -v ]] && VERBOSE=1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/self-heal-handlers-test.XXXXXX") || exit 1
cleanup() { rm -rf -- "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

PASSED=0
FAILED=0
N=0

pass() {
  N=$((N + 1))
  PASSED=$((PASSED + 1))
  echo "ok $N - $1"
}

fail() {
  N=$((N + 1))
  FAILED=$((FAILED + 1))
  echo "not ok $N - $1"
  shift
  local line
  for line in "$@"; do echo "#   $line"; done
  if [[ -f $WORK/err ]]; then
    echo "#   stderr of the last run:"
    sed 's/^/#     /' "$WORK/err" | head -40
  fi
}

assert_eq() { # DESC EXPECTED ACTUAL
  if [[ $2 == "$3" ]]; then pass "$1"; else fail "$1" "expected: $2" "actual:   $3"; fi
}

assert_line() { # DESC FILE LINE — FILE has exactly this line
  if grep -qxF -- "$3" "$2" 2>/dev/null; then pass "$1"; else fail "$1" "no line: $3 (in ${2##*/})"; fi
}

assert_has() { # DESC FILE TEXT — some line of FILE contains TEXT
  if grep -qF -- "$3" "$2" 2>/dev/null; then pass "$1"; else fail "$1" "missing: $3 (in ${2##*/})"; fi
}

assert_lacks() { # DESC FILE TEXT
  if ! grep -qF -- "$3" "$2" 2>/dev/null; then pass "$1"; else fail "$1" "unexpected: $3 (in ${2##*/})"; fi
}

assert_true() { # DESC CMD...
  local desc=$1
  shift
  if "$@"; then pass "$desc"; else fail "$desc" "false: $*"; fi
}

# run CMD... — runs CMD with a time limit; stdout in $WORK/out, stderr in $WORK/err,
# status in RC.
run() {
  timeout -k 5 60 "$@" >"$WORK/out" 2>"$WORK/err"
  RC=$?
  if [[ -n $VERBOSE ]]; then
    echo "# \$ $* -> $RC"
    sed 's/^/#   /' "$WORK/err"
  fi
}

# ======================================================================================
# handler-lib.sh
# ======================================================================================

# A tree with a directory (files of several modes, a subdirectory, a symlink), a file
# and a symlink at the top. Times are set in the past so that a restore that loses them
# would show.
make_tree() {
  local t=$1
  rm -rf -- "$t"
  mkdir -p "$t/d/sub"
  printf 'alpha\n' >"$t/d/a"
  chmod 640 "$t/d/a"
  printf '#!/bin/sh\necho b\n' >"$t/d/b"
  chmod 755 "$t/d/b"
  printf 'gamma\n' >"$t/d/sub/c"
  chmod 600 "$t/d/sub/c"
  ln -s a "$t/d/link"
  printf 'key = 1\n' >"$t/app.conf"
  chmod 644 "$t/app.conf"
  ln -s app.conf "$t/top-link"
  chmod 750 "$t/d/sub"
  find "$t" -mindepth 1 -exec touch -h -d '2020-01-02 03:04:05.123456789' {} +
}

# Everything a restore must bring back: type, mode, owner, size, mtime, link target,
# content. The tree root itself is left out (creating a file in it changes its mtime).
tree_state() {
  (
    cd "$1" || exit 1
    find . -mindepth 1 -printf '%p|%y|%m|%U:%G|%s|%T@|%l\n' | LC_ALL=C sort
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r md5sum
  )
}

# The changes every test handler makes: edit, chmod, delete, create, replace a symlink.
write_changes() {
  cat <<'EOF'
change_tree() {
  local t=$1
  printf 'broken\n' >>"$t/d/a"
  chmod 666 "$t/d/a"
  rm -f "$t/d/b"
  printf 'new\n' >"$t/d/sub/new"
  rm -f "$t/d/link"
  printf 'key = 2\n' >"$t/app.conf"
  chmod 600 "$t/app.conf"
  rm -f "$t/top-link"
  printf 'not a link\n' >"$t/top-link"
  printf 'created\n' >"$t/new.conf"
}
EOF
}

# lib_handler NAME BODY — writes a handler script that sources the library; BODY may
# use $TREE and change_tree.
lib_handler() {
  local f=$WORK/$1.sh
  {
    printf '#!/bin/bash\nset -euo pipefail\nsource %q\n' "$LIB"
    write_changes
    printf '%s\n' "$2"
  } >"$f"
  chmod 755 "$f"
  printf '%s' "$f"
}

# lib_run HANDLER [ENV=VALUE...] — fresh tree and backup directory, then runs it.
lib_run() {
  local h=$1
  shift
  TREE=$WORK/tree
  BK=$WORK/backups
  rm -rf -- "$BK"
  mkdir -p "$BK"
  make_tree "$TREE"
  tree_state "$TREE" >"$WORK/before"
  run env TREE="$TREE" SELF_HEAL_BACKUP_DIR="$BK" SELF_HEAL_HANDLER=test "$@" bash "$h"
  tree_state "$TREE" >"$WORK/after"
}

restored_exactly() {
  cmp -s "$WORK/before" "$WORK/after" && return 0
  echo "# tree differs (< before, > after):"
  diff "$WORK/before" "$WORK/after" | grep '^[<>]' | sed 's/^/#   /' | head -20
  return 1
}
changed() { ! cmp -s "$WORK/before" "$WORK/after"; }
snapshot_dirs() { find "$BK" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | LC_ALL=C sort; }
the_snapshot() { find "$BK" -mindepth 1 -maxdepth 1 -type d | head -1; }

SNAP='sh_snapshot "$TREE/d" "$TREE/app.conf" "$TREE/top-link" "$TREE/new.conf"'

# --- exit codes ------------------------------------------------------------------------
h=$(lib_handler consts 'echo "$SH_HEALED $SH_FAILED $SH_GIVE_UP $SH_NOT_APPLICABLE"')
run bash "$h"
assert_eq "exit code constants" "0 1 2 3" "$(cat "$WORK/out")"

# --- logging --------------------------------------------------------------------------
h=$(lib_handler log 'sh_info "hello info"; sh_warn "careful"; sh_err "broken $((1 + 1))"
sh_info "two
lines"')
run bash "$h"
assert_eq "sh_info/sh_warn/sh_err: exit 0" 0 "$RC"
assert_eq "logging writes nothing on stdout" "" "$(cat "$WORK/out")"
assert_eq "logging: one line each, priority prefixes <6> <4> <3>" \
  "<6>hello info|<4>careful|<3>broken 2|<6>two lines" "$(paste -sd'|' "$WORK/err")"

# --- restore on failure -----------------------------------------------------------------
h=$(lib_handler fail1 "$SNAP"'
change_tree "$TREE"
exit "$SH_FAILED"')
lib_run "$h"
assert_eq "exit 1: status kept" 1 "$RC"
assert_true "exit 1: tree restored exactly (content, mode, owner, times, links)" restored_exactly
assert_has "exit 1: restore announced at warning priority" "$WORK/err" "<4>exit status 1: restoring the snapshot $BK/"
assert_line "exit 1: file that did not exist is removed" "$WORK/err" "<6>removed $TREE/new.conf (it did not exist before)"
assert_line "exit 1: restored paths logged" "$WORK/err" "<6>restored $TREE/app.conf"
assert_line "exit 1: restored directory logged" "$WORK/err" "<6>restored $TREE/d"
assert_has "exit 1: summary logged" "$WORK/err" "<6>restored 4 path(s) from $BK/"
assert_true "exit 1: snapshot marked restored" test -f "$(the_snapshot)/restored"
assert_eq "exit 1: no temporary files left next to the targets" "" \
  "$(find "$TREE" -name '*.self-heal-*' | head -3)"

h=$(lib_handler fail2 "$SNAP"'
change_tree "$TREE"
exit "$SH_GIVE_UP"')
lib_run "$h"
assert_eq "exit 2 (give up): status kept" 2 "$RC"
assert_true "exit 2: tree restored exactly" restored_exactly

h=$(lib_handler ok0 "$SNAP"'
change_tree "$TREE"
exit "$SH_HEALED"')
lib_run "$h"
assert_eq "exit 0: status kept" 0 "$RC"
assert_true "exit 0: changes kept" changed
assert_eq "exit 0: created file kept" "created" "$(cat "$TREE/new.conf" 2>/dev/null)"
assert_has "exit 0: keeping announced" "$WORK/err" "<6>exit status 0: keeping the changes; snapshot kept in $BK/"
assert_true "exit 0: snapshot kept, not marked restored" \
  test -f "$(the_snapshot)/manifest" -a ! -e "$(the_snapshot)/restored"

h=$(lib_handler na3 "$SNAP"'
change_tree "$TREE"
exit "$SH_NOT_APPLICABLE"')
lib_run "$h"
assert_eq "exit 3: status kept" 3 "$RC"
assert_true "exit 3: changes kept" changed

h=$(lib_handler fall-off "$SNAP"'
change_tree "$TREE"')
lib_run "$h"
assert_eq "end of script (status 0): changes kept" "0 yes" "$RC $([[ -e $TREE/new.conf ]] && echo yes)"

# --- dying on errors --------------------------------------------------------------------
h=$(lib_handler die-e "$SNAP"'
change_tree "$TREE"
false
exit 0')
lib_run "$h"
assert_eq "set -e death: exit 1" 1 "$RC"
assert_true "set -e death: tree restored exactly" restored_exactly
line=$(grep -nx false "$h" | cut -d: -f1)
assert_line "set -e death: failing line and command logged" "$WORK/err" \
  "<3>unexpected failure (status 1) at line $line: false; exiting with status 1 (failed)"

h=$(lib_handler die-3 "$SNAP"'
change_tree "$TREE"
inactive() { return 3; }
inactive
exit 0')
lib_run "$h"
assert_eq "set -e death with a command status of 3: exit 1, not 'not applicable'" 1 "$RC"
assert_true "set -e death with status 3: tree restored" restored_exactly

h=$(lib_handler die-2 "$SNAP"'
change_tree "$TREE"
grep -q something /nonexistent/file
exit 0')
lib_run "$h"
assert_eq "set -e death with a command status of 2: exit 1, not 'give up'" 1 "$RC"

h=$(lib_handler die-func "$SNAP"'
change_tree "$TREE"
step() { local x; x=$(cat /nonexistent/file); echo "$x"; }
step
exit 0')
lib_run "$h"
assert_eq "set -e death inside a function: exit 1" 1 "$RC"
assert_true "set -e death inside a function: tree restored" restored_exactly

h=$(lib_handler die-u "$SNAP"'
change_tree "$TREE"
echo "$UNDEFINED_VARIABLE"
exit 0')
lib_run "$h"
assert_true "set -u death: non-zero exit other than 3 ($RC)" test "$RC" -ne 0 -a "$RC" -ne 3
assert_true "set -u death: tree restored" restored_exactly

h=$(lib_handler guarded "$SNAP"'
change_tree "$TREE"
if ! false; then :; fi
false || true
grep -q nothing /dev/null || sh_info "not found, fine"
exit "$SH_HEALED"')
lib_run "$h"
assert_eq "guarded failures (if, ||) do not end the handler" 0 "$RC"
assert_lacks "guarded failures: no 'unexpected failure'" "$WORK/err" "unexpected failure"

h=$(lib_handler no-e 'set +e
sh_snapshot "$TREE/app.conf"
printf "x\n" >"$TREE/app.conf"
false
exit 0')
lib_run "$h"
assert_eq "without set -e a failed command does not end the handler" 0 "$RC"

# --- signals --------------------------------------------------------------------------
h=$(lib_handler term "$SNAP"'
change_tree "$TREE"
: >"$READY"
for ((i = 0; i < 300; i++)); do sleep 0.1; done
exit 0')
TREE=$WORK/tree BK=$WORK/backups
rm -rf -- "$BK" "$WORK/ready"
mkdir -p "$BK"
make_tree "$TREE"
tree_state "$TREE" >"$WORK/before"
env TREE="$TREE" SELF_HEAL_BACKUP_DIR="$BK" SELF_HEAL_HANDLER=test READY="$WORK/ready" \
  bash "$h" >"$WORK/out" 2>"$WORK/err" &
pid=$!
for ((i = 0; i < 100; i++)); do
  [[ -e $WORK/ready ]] && break
  sleep 0.1
done
kill -TERM "$pid" 2>/dev/null
for ((i = 0; i < 100; i++)); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -KILL "$pid" 2>/dev/null
wait "$pid"
RC=$?
tree_state "$TREE" >"$WORK/after"
assert_eq "SIGTERM (e.g. TimeoutSec= reached): exit 143" 143 "$RC"
assert_true "SIGTERM: tree restored" restored_exactly
assert_line "SIGTERM: logged" "$WORK/err" "<4>received SIGTERM"

# --- traps, explicit restore -------------------------------------------------------------
h=$(lib_handler chain 'trap '\''echo "previous trap saw $?" >"$TREE.trap"'\'' EXIT
'"$SNAP"'
change_tree "$TREE"
exit 1')
rm -f "$WORK/tree.trap"
lib_run "$h"
assert_eq "existing EXIT trap: chained, sees the handler's status" "previous trap saw 1" \
  "$(cat "$WORK/tree.trap" 2>/dev/null)"
assert_eq "existing EXIT trap: status kept" 1 "$RC"
assert_true "existing EXIT trap: tree restored as well" restored_exactly

h=$(lib_handler replaced "$SNAP"'
trap "echo mine >/dev/null" EXIT
sh_snapshot "$TREE/d/sub/c"
change_tree "$TREE"
exit 1')
lib_run "$h"
assert_true "EXIT trap replaced after sh_snapshot: the next sh_snapshot chains again and restores" restored_exactly

h=$(lib_handler explicit "$SNAP"'
change_tree "$TREE"
sh_restore
exit 0')
lib_run "$h"
assert_eq "sh_restore then exit 0: status 0" 0 "$RC"
assert_true "sh_restore then exit 0: tree restored" restored_exactly
assert_eq "sh_restore then exit 0: restored once only" 1 "$(grep -c 'path(s) from' "$WORK/err")"

h=$(lib_handler twice 'sh_snapshot "$TREE/app.conf"
printf "step 1\n" >"$TREE/app.conf"
sh_snapshot "$TREE/app.conf" "$TREE/d/a" "$TREE/d" "$TREE/top-link" "$TREE/new.conf"
change_tree "$TREE"
exit 1')
lib_run "$h"
assert_true "several sh_snapshot calls: first copy wins, all restored" restored_exactly
assert_eq "several sh_snapshot calls: one snapshot directory" 1 "$(snapshot_dirs | wc -l)"
assert_has "a path already recorded is not copied again" "$WORK/err" \
  "<6>snapshot: $TREE/app.conf is already covered by the snapshot of $TREE/app.conf"

h=$(lib_handler nested 'sh_snapshot "$TREE/d/a" "$TREE/d/sub"
printf "changed\n" >"$TREE/d/a"
sh_snapshot "$TREE/d" "$TREE/app.conf" "$TREE/top-link" "$TREE/new.conf"
change_tree "$TREE"
exit 1')
lib_run "$h"
assert_true "a directory snapshotted after a file inside it was changed: restored to the first state" restored_exactly

h=$(lib_handler manual "$SNAP"'
change_tree "$TREE"
exit 0')
lib_run "$h"
snap=$(the_snapshot)
run env SELF_HEAL_BACKUP_DIR="$BK" bash -c 'source "$1"; sh_restore "$2"' _ "$LIB" "$snap"
tree_state "$TREE" >"$WORK/after"
assert_eq "sh_restore DIR from another shell (by hand): exit 0" 0 "$RC"
assert_true "sh_restore DIR from another shell: tree restored" restored_exactly

h=$(lib_handler restore-fails 'sh_snapshot "$TREE/d/a" "$TREE/app.conf"
printf "x\n" >"$TREE/app.conf"
rm -rf "$TREE/d"
printf "a file where a directory was\n" >"$TREE/d"
exit 1')
lib_run "$h"
assert_eq "restore that fails: exit 2 (give up), not a retry on a half-restored host" 2 "$RC"
assert_has "restore that fails: says so" "$WORK/err" "<3>restore of $BK/"
assert_eq "restore that fails: the other paths are still restored" "key = 1" "$(cat "$TREE/app.conf")"
assert_true "restore that fails: snapshot kept, not marked restored" \
  test -d "$(the_snapshot)/data" -a ! -e "$(the_snapshot)/restored"

# --- manifest, names, permissions --------------------------------------------------------
h=$(lib_handler manifest "$SNAP"'
exit 0')
lib_run "$h" SELF_HEAL_INSTANCE=$'web-1\npresent\t9\t/etc/passwd' SELF_HEAL_ALERTNAME=ServiceDown
snap=$(the_snapshot)
assert_eq "manifest: one entry per path, absolute, absent recorded" \
  "present 1 $TREE/d|present 2 $TREE/app.conf|present 3 $TREE/top-link|absent 4 $TREE/new.conf" \
  "$(grep -E '^(present|absent)' "$snap/manifest" | tr '\t' ' ' | paste -sd'|')"
assert_has "manifest header: alert context, control characters neutralised" "$snap/manifest" \
  "# alertname=ServiceDown instance=web-1?present?9?/etc/passwd"
assert_eq "snapshot directory is private (0700)" 700 "$(stat -c %a "$snap")"
assert_true "snapshot name is <UTC YYYYmmddTHHMMSSZ>-<handler>" \
  eval '[[ ${snap##*/} =~ ^[0-9]{8}T[0-9]{6}Z-test$ ]]'
assert_eq "copies keep mode" "640 755 600" \
  "$(stat -c %a "$snap/data/1/a" "$snap/data/1/b" "$snap/data/1/sub/c" | paste -sd' ')"
assert_eq "symlinks are copied as links" "app.conf" "$(readlink "$snap/data/3")"

h=$(lib_handler name 'sh_snapshot "$TREE/app.conf"')
lib_run "$h" SELF_HEAL_HANDLER='../evil name$(x)'
assert_eq "handler name sanitised to [A-Za-z0-9_-], snapshot stays in the backup dir" \
  "___evil_name__x_" "$(snapshot_dirs | sed 's/^[0-9]*T[0-9]*Z-//')"

h=$(lib_handler slashes 'sh_snapshot "$TREE//d/" "$TREE/app.conf/"
change_tree "$TREE"
exit 1')
lib_run "$h"
assert_eq "redundant slashes normalised" "$TREE/d|$TREE/app.conf" \
  "$(grep -E '^present' "$(the_snapshot)/manifest" | cut -f3 | paste -sd'|')"

# --- refusals -----------------------------------------------------------------------------
for bad in "etc/app.conf" "./app.conf" "/" "$WORK/tree/../tree/app.conf" "$WORK/./tree"; do
  h=$(lib_handler refuse 'if sh_snapshot "$BAD"; then echo taken; else echo "refused $?"; fi')
  lib_run "$h" BAD="$bad"
  assert_eq "refused path '$bad': sh_snapshot returns 1" "refused 1" "$(cat "$WORK/out")"
  assert_eq "refused path '$bad': nothing in the backup dir" "" "$(snapshot_dirs)"
done
assert_has "relative path: clear message" "$WORK/err" "<3>sh_snapshot: refusing path"
h=$(lib_handler refuse-rel 'sh_snapshot etc/app.conf')
lib_run "$h"
assert_eq "relative path under set -e: handler fails (1)" 1 "$RC"
assert_line "relative path: message says why" "$WORK/err" \
  "<3>sh_snapshot: refusing relative path 'etc/app.conf': give an absolute path"

h=$(lib_handler refuse-backup 'if sh_snapshot "$SELF_HEAL_BACKUP_DIR/x" ; then echo taken; else echo refused; fi
if sh_snapshot "${SELF_HEAL_BACKUP_DIR%/*}" ; then echo taken; else echo refused; fi')
lib_run "$h"
assert_eq "paths inside or containing the backup dir are refused" "refused refused" \
  "$(paste -sd' ' "$WORK/out")"

printf 'not a directory\n' >"$WORK/a-file"
h=$(lib_handler unwritable 'sh_snapshot "$TREE/app.conf" || exit $?
change_tree "$TREE"
exit 0')
TREE=$WORK/tree
make_tree "$TREE"
tree_state "$TREE" >"$WORK/before"
run env TREE="$TREE" SELF_HEAL_BACKUP_DIR="$WORK/a-file/backups" SELF_HEAL_HANDLER=test bash "$h"
tree_state "$TREE" >"$WORK/after"
assert_eq "backup dir cannot be created: sh_snapshot fails, handler stops before changing" \
  "1 same" "$RC $(restored_exactly && echo same)"
assert_has "backup dir cannot be created: clear message" "$WORK/err" \
  "<3>sh_snapshot: backup directory $WORK/a-file/backups does not exist and cannot be created"
if [[ $(id -u) != 0 ]]; then
  mkdir -p "$WORK/ro-backups"
  chmod 555 "$WORK/ro-backups"
  run env TREE="$TREE" SELF_HEAL_BACKUP_DIR="$WORK/ro-backups" SELF_HEAL_HANDLER=test bash "$h"
  assert_has "backup dir not writable: clear message" "$WORK/err" "is not a writable directory"
  chmod 755 "$WORK/ro-backups"
fi

h=$(lib_handler badkeep 'if sh_snapshot "$TREE/app.conf"; then echo taken; else echo refused; fi')
lib_run "$h" SELF_HEAL_BACKUP_KEEP=0
assert_eq "SELF_HEAL_BACKUP_KEEP=0 is refused" "refused" "$(cat "$WORK/out")"

# --- retention ------------------------------------------------------------------------------
h=$(lib_handler keep 'sh_snapshot "$TREE/app.conf"')
BK=$WORK/backups
rm -rf -- "$BK"
mkdir -p "$BK"
for d in 20200101T000000Z-test 20200102T000000Z-test 20200103T000000Z-test \
  20200104T000000Z-test 20200104T000000Z-test.2 20200104T000000Z-test.10 \
  20200101T000000Z-test-other 20200101T000000Z-tes 20200101T000000Z-testx unrelated; do
  mkdir -p "$BK/$d"
done
make_tree "$WORK/tree"
run env TREE="$WORK/tree" SELF_HEAL_BACKUP_DIR="$BK" SELF_HEAL_HANDLER=test SELF_HEAL_BACKUP_KEEP=3 bash "$h"
new=$(snapshot_dirs | grep -vE '^(2020|unrelated)')
assert_eq "retention: newest 3 of this handler kept, other handlers untouched" \
  "20200101T000000Z-tes 20200101T000000Z-test-other 20200101T000000Z-testx 20200104T000000Z-test.10 20200104T000000Z-test.2 $new unrelated" \
  "$(snapshot_dirs | paste -sd' ')"
assert_has "retention: removals logged" "$WORK/err" "<6>removed old snapshot $BK/20200101T000000Z-test (keeping the newest 3)"

rm -rf -- "$BK"
mkdir -p "$BK"
for ((i = 0; i < 5; i++)); do
  run env TREE="$WORK/tree" SELF_HEAL_BACKUP_DIR="$BK" SELF_HEAL_HANDLER=test SELF_HEAL_BACKUP_KEEP=2 bash "$h"
done
assert_eq "retention: default order holds for runs within the same second too; 2 kept" 2 \
  "$(snapshot_dirs | wc -l)"
rm -rf -- "$BK"
mkdir -p "$BK"
for ((i = 0; i < 12; i++)); do
  run env TREE="$WORK/tree" SELF_HEAL_BACKUP_DIR="$BK" SELF_HEAL_HANDLER=test bash "$h"
done
assert_eq "retention: SELF_HEAL_BACKUP_KEEP defaults to 10" 10 "$(snapshot_dirs | wc -l)"

# A run in progress holds its snapshot: a concurrent run of the same handler with
# KEEP=1 must not remove it from under it.
if command -v flock >/dev/null 2>&1; then
  rm -rf -- "$BK" "$WORK/ready" "$WORK/go"
  mkdir -p "$BK"
  make_tree "$WORK/tree"
  tree_state "$WORK/tree" >"$WORK/before"
  h=$(lib_handler slow 'sh_snapshot "$TREE/app.conf"
printf "x\n" >"$TREE/app.conf"
: >"$READY"
for ((i = 0; i < 100; i++)); do [[ -e $GO ]] && break; sleep 0.1; done
exit 1')
  env TREE="$WORK/tree" SELF_HEAL_BACKUP_DIR="$BK" SELF_HEAL_HANDLER=test READY="$WORK/ready" \
    GO="$WORK/go" bash "$h" >/dev/null 2>"$WORK/err-slow" &
  pid=$!
  for ((i = 0; i < 100; i++)); do
    [[ -e $WORK/ready ]] && break
    sleep 0.1
  done
  sleep 1 # the next snapshot gets a later name
  h2=$(lib_handler quick 'sh_snapshot "$TREE/d/a"')
  run env TREE="$WORK/tree" SELF_HEAL_BACKUP_DIR="$BK" SELF_HEAL_HANDLER=test SELF_HEAL_BACKUP_KEEP=1 bash "$h2"
  : >"$WORK/go"
  wait "$pid"
  rc_slow=$?
  tree_state "$WORK/tree" >"$WORK/after"
  assert_eq "retention: a snapshot in use by a running handler is not removed" "1 same" \
    "$rc_slow $(restored_exactly && echo same)"
fi

# --- environment and privileges ----------------------------------------------------------------
h=$(lib_handler env 'sh_require_env SELF_HEAL_INSTANCE SELF_HEAL_NOT_SET OTHER_MISSING
echo "not reached"')
run env SELF_HEAL_INSTANCE=web-1 OTHER_MISSING= bash "$h"
assert_eq "sh_require_env: missing or empty -> exit 1, nothing after runs" "1 " "$RC $(cat "$WORK/out")"
assert_line "sh_require_env: names what is missing" "$WORK/err" \
  "<3>required environment variable(s) not set: SELF_HEAL_NOT_SET OTHER_MISSING (self-heal sets SELF_HEAL_* when it runs a handler)"
h=$(lib_handler env-ok 'sh_require_env SELF_HEAL_INSTANCE SELF_HEAL_ALERTNAME
echo "go on"')
run env SELF_HEAL_INSTANCE=web-1 SELF_HEAL_ALERTNAME=X bash "$h"
assert_eq "sh_require_env: all set -> continues" "0 go on" "$RC $(cat "$WORK/out")"

# Fakes for `id`, `sudo`, `systemctl`, `sleep`, logging every call to $FAKE_DIR/calls.
FAKE_BIN=$WORK/fake-bin
mkdir -p "$FAKE_BIN"
cat >"$FAKE_BIN/id" <<'EOF'
#!/bin/bash
# fake id: uid from $FAKE_UID
case ${1:-} in
  -u) echo "${FAKE_UID:-1000}" ;;
  -un) [[ ${FAKE_UID:-1000} == 0 ]] && echo root || echo healer ;;
  *) echo "uid=${FAKE_UID:-1000}" ;;
esac
EOF
cat >"$FAKE_BIN/sudo" <<'EOF'
#!/bin/bash
# fake sudo: allows exactly the command lines in $FAKE_DIR/sudo-allow, like sudoers does.
echo "sudo $*" >>"$FAKE_DIR/calls"
list=""
nonint=""
while (($# > 0)); do
  case $1 in
    -n) nonint=1 ;;
    -l) list=1 ;;
    --) shift; break ;;
    -*) echo "fake sudo: unexpected option $1" >&2; exit 64 ;;
    *) break ;;
  esac
  shift
done
[[ -n $nonint ]] || { echo "fake sudo: would prompt for a password" >&2; exit 65; }
allowed=""
while IFS= read -r line; do
  [[ $line == "$*" ]] && allowed=1
done <"$FAKE_DIR/sudo-allow"
if [[ -z $allowed ]]; then
  echo "sudo: a password is required" >&2
  exit 1
fi
if [[ -n $list ]]; then
  echo "/usr/bin/$*"
  exit 0
fi
exec "$@"
EOF
cat >"$FAKE_BIN/sleep" <<'EOF'
#!/bin/bash
echo "sleep $*" >>"$FAKE_DIR/calls"
EOF
cat >"$FAKE_BIN/systemctl" <<'EOF'
#!/bin/bash
# fake systemctl, scripted by $FAKE_DIR/scenario:
#   heals           failed before the restart, active after
#   already-active  active before and after
#   slow            activating for 2 checks after the restart, then active
#   never-active    activating forever after the restart
#   fails           failed after the restart
#   flaps           active at the first check after the restart, failed afterwards
#   restart-fails   `restart` exits 1
#   masked-during   `restart` exits 1 and the unit is masked from then on
#   not-found, masked, bad-setting   LoadState
#   no-bus          every call fails as without systemd
echo "systemctl $*" >>"$FAKE_DIR/calls"
scenario=$(cat "$FAKE_DIR/scenario")
if [[ $scenario == no-bus ]]; then
  echo "System has not been booted with systemd as init system (PID 1). Can't operate." >&2
  echo "Failed to connect to bus: Host is down" >&2
  exit 1
fi
verb=$1
shift
args=()
props=()
for a in "$@"; do
  case $a in
    --) ;;
    --property=*) props+=("${a#--property=}") ;;
    --value) ;;
    -*) echo "fake systemctl: unexpected option $a" >&2; exit 64 ;;
    *) args+=("$a") ;;
  esac
done
((${#args[@]} == 1)) || { echo "fake systemctl: expected one unit, got: ${args[*]}" >&2; exit 64; }
restarted=""
[[ -e $FAKE_DIR/restarted ]] && restarted=1
load=loaded
case $scenario in
  not-found | masked | bad-setting) load=$scenario ;;
  masked-during) [[ -n $restarted ]] && load=masked ;;
esac
active_state() {
  local n
  if [[ -z $restarted ]]; then
    [[ $scenario == already-active ]] && echo active || echo failed
    return
  fi
  n=$(cat "$FAKE_DIR/checks" 2>/dev/null || echo 0)
  echo $((n + 1)) >"$FAKE_DIR/checks"
  case $scenario in
    heals | already-active | restart-fails) echo active ;;
    slow) ((n >= 2)) && echo active || echo activating ;;
    never-active) echo activating ;;
    fails | masked-during) echo failed ;;
    flaps) ((n == 0)) && echo active || echo failed ;;
    *) echo unknown ;;
  esac
}
case $verb in
  show)
    if [[ ${props[*]} == LoadState ]]; then
      echo "$load"
    else
      s=$(active_state)
      printf 'ActiveState=%s\nSubState=x\nResult=exit-code\nExecMainStatus=1\n' "$s"
    fi
    ;;
  is-active)
    s=$(active_state)
    echo "$s"
    [[ $s == active ]]
    ;;
  restart)
    [[ $load == loaded ]] || { echo "Failed to restart ${args[0]}: Unit ${args[0]} is $load." >&2; exit 1; }
    : >"$FAKE_DIR/restarted"
    case $scenario in
      restart-fails)
        echo "Job for ${args[0]} failed because the control process exited with error code." >&2
        exit 1 ;;
      masked-during)
        echo "Failed to restart ${args[0]}: Unit ${args[0]} is masked." >&2
        exit 1 ;;
    esac
    ;;
  *) echo "fake systemctl: unexpected verb $verb" >&2; exit 64 ;;
esac
EOF
chmod 755 "$FAKE_BIN"/*

# fake_env SCENARIO [SUDO-ALLOW-LINE...] — fresh fake state; sets FAKE_DIR.
fake_env() {
  FAKE_DIR=$WORK/fake-state
  rm -rf -- "$FAKE_DIR"
  mkdir -p "$FAKE_DIR"
  printf '%s\n' "$1" >"$FAKE_DIR/scenario"
  shift
  : >"$FAKE_DIR/calls"
  : >"$FAKE_DIR/sudo-allow"
  local l
  for l in "$@"; do printf '%s\n' "$l" >>"$FAKE_DIR/sudo-allow"; done
}
calls() { paste -sd'|' "$FAKE_DIR/calls"; }

fake_env heals "touch $WORK/priv-file"
h=$(lib_handler priv 'sh_run_priv touch "$1"')
run env PATH="$FAKE_BIN:$PATH" FAKE_DIR="$FAKE_DIR" FAKE_UID=1000 bash "$h" "$WORK/priv-file"
assert_eq "sh_run_priv as non-root: runs sudo -n -- CMD" "0 sudo -n -- touch $WORK/priv-file" "$RC $(calls)"
assert_line "sh_run_priv: logs the command first" "$WORK/err" "<6>running: sudo -n touch $WORK/priv-file"
fake_env heals
rm -f "$WORK/priv-file"
run env PATH="$FAKE_BIN:$PATH" FAKE_DIR="$FAKE_DIR" FAKE_UID=0 bash "$h" "$WORK/priv-file"
assert_eq "sh_run_priv as root: runs the command directly, no sudo" "0  yes" \
  "$RC $(calls) $([[ -e $WORK/priv-file ]] && echo yes)"
assert_line "sh_run_priv as root: logs the command" "$WORK/err" "<6>running (as root): touch $WORK/priv-file"
fake_env heals
run env PATH="$FAKE_BIN:$PATH" FAKE_DIR="$FAKE_DIR" FAKE_UID=1000 bash "$h" "$WORK/priv-file"
assert_eq "sh_run_priv: a command sudoers does not list fails (set -e: exit 1)" 1 "$RC"
h=$(lib_handler priv-q 'sh_run_priv printf "%s\n" "a b" "it'\''s"')
fake_env heals 'printf %s\n a b it'\''s'
run env PATH="$FAKE_BIN:$PATH" FAKE_DIR="$FAKE_DIR" FAKE_UID=1000 bash "$h"
assert_line "sh_run_priv: arguments with spaces are logged quoted" "$WORK/err" \
  "<6>running: sudo -n printf %s\\\\n a\\ b it\\'s"

# ======================================================================================
# restart-service
# ======================================================================================

# rs SCENARIO UID [ARG...] — runs restart-service against the fakes; sudo allows
# exactly `systemctl restart nginx.service` (and foo:bar.service, never).
rs() {
  local scenario=$1 uid=$2
  shift 2
  fake_env "$scenario" "systemctl restart nginx.service"
  run env -i PATH="$FAKE_BIN:/usr/bin:/bin" FAKE_DIR="$FAKE_DIR" FAKE_UID="$uid" \
    SELF_HEAL_ALERTNAME=ServiceDown SELF_HEAL_INSTANCE=web-1:8080 SELF_HEAL_ATTEMPT=1 \
    SELF_HEAL_HANDLER=restart-nginx SELF_HEAL_STATUS="${RS_STATUS:-firing}" \
    RESTART_STABLE_SEC="${RS_STABLE:-0}" RESTART_VERIFY_SEC="${RESTART_VERIFY_SEC:-}" \
    "$HANDLER" "$@"
}
restarts() { grep -c ' restart ' "$FAKE_DIR/calls"; }
sleeps() { grep -c '^sleep ' "$FAKE_DIR/calls"; }

rs heals 1000 nginx.service
assert_eq "restart-service heals: exit 0" 0 "$RC"
assert_has "restart-service: context logged" "$WORK/err" \
  "<6>restart-service nginx.service: alert ServiceDown for instance web-1:8080, attempt 1"
assert_line "restart-service: state before logged" "$WORK/err" "<6>nginx.service is failed: restarting"
assert_line "restart-service: restart through sudo, logged" "$WORK/err" "<6>running: sudo -n systemctl restart nginx.service"
assert_line "restart-service: healed logged" "$WORK/err" "<6>nginx.service is active again: healed"
assert_eq "restart-service: calls, in order" \
  "systemctl show --property=LoadState --value -- nginx.service|sudo -n -l -- systemctl restart nginx.service|systemctl is-active -- nginx.service|sudo -n -- systemctl restart nginx.service|systemctl restart nginx.service|systemctl is-active -- nginx.service" \
  "$(calls)"
assert_eq "restart-service: nothing on stdout" "" "$(cat "$WORK/out")"

rs heals 1000 nginx
assert_eq "restart-service: a name without suffix gets .service" "0 1" "$RC $(grep -c 'sudo -n -- systemctl restart nginx.service' "$FAKE_DIR/calls")"

rs heals 0 nginx.service
assert_eq "restart-service as root: exit 0, no sudo" "0 0" "$RC $(grep -c '^sudo' "$FAKE_DIR/calls")"
assert_line "restart-service as root: direct restart logged" "$WORK/err" \
  "<6>running (as root): systemctl restart nginx.service"

rs already-active 1000 nginx.service
assert_eq "restart-service, already active: restarts anyway, exit 0" "0 1" "$RC $(grep -c 'sudo -n -- systemctl restart' "$FAKE_DIR/calls")"
assert_line "restart-service, already active: says so" "$WORK/err" \
  "<6>nginx.service is active, but the alert is firing: restarting anyway"

RS_STABLE=1 rs slow 1000 nginx.service
assert_eq "restart-service, slow start then active (stable 1s): exit 0" 0 "$RC"
assert_eq "restart-service, slow start: polled once a second (fake sleep)" 3 "$(sleeps)"

RESTART_VERIFY_SEC=5 rs never-active 1000 nginx.service
assert_eq "restart-service, never active: exit 1 (failed)" 1 "$RC"
rs never-active 1000 --verify-sec=4 nginx.service
assert_eq "restart-service, never active: bounded by --verify-sec (4 sleeps, 5 checks)" "1 4" "$RC $(sleeps)"
assert_has "restart-service, never active: logged with the unit's state" "$WORK/err" \
  "<3>nginx.service did not become active within 4s, last state activating (ActiveState=activating"

rs fails 1000 nginx.service
assert_eq "restart-service, failed after restart: exit 1 at once, no waiting" "1 0" "$RC $(sleeps)"
assert_has "restart-service, failed after restart: logged" "$WORK/err" "<3>nginx.service failed after the restart"

RS_STABLE=3 rs flaps 1000 nginx.service
assert_eq "restart-service, active then crashed (stable 3s): exit 1" 1 "$RC"
assert_line "restart-service, flapping: logged" "$WORK/err" "<4>nginx.service was active but is now failed"

rs heals 1000 --verify-sec=5 --stable-sec=2 nginx.service
assert_eq "restart-service: --stable-sec=2 waits 2 more checks while active" "0 2" "$RC $(sleeps)"

rs masked 1000 nginx.service
assert_eq "restart-service, masked: exit 2 (give up), no restart" "2 0" "$RC $(restarts)"
assert_line "restart-service, masked: logged" "$WORK/err" \
  "<3>nginx.service is masked (LoadState=masked): someone stopped it on purpose; giving up"

rs masked-during 1000 nginx.service
assert_eq "restart-service, masked while restarting: exit 2" 2 "$RC"

rs not-found 1000 nginx.service
assert_eq "restart-service, unit not found: exit 3 (not applicable), no restart" "3 0" "$RC $(restarts)"
assert_line "restart-service, not found: logged" "$WORK/err" \
  "<6>nginx.service does not exist on this host (LoadState=not-found): not applicable"

rs bad-setting 1000 nginx.service
assert_eq "restart-service, broken unit file: exit 2, no restart" "2 0" "$RC $(restarts)"

rs restart-fails 1000 nginx.service
assert_eq "restart-service, systemctl restart fails: exit 1" 1 "$RC"
assert_line "restart-service, restart fails: logged" "$WORK/err" "<3>systemctl restart nginx.service failed"

rs no-bus 1000 nginx.service
assert_eq "restart-service, systemd unreachable: exit 1 (retry may help)" "1 0" "$RC $(restarts)"
assert_has "restart-service, systemd unreachable: says why" "$WORK/err" "<3>cannot ask systemd about nginx.service:"

rs heals 1000 'foo:bar.service'
assert_eq "restart-service, sudoers lacks the unit: exit 2, no restart attempted" "2 0" \
  "$RC $(grep -c 'sudo -n -- ' "$FAKE_DIR/calls")"
assert_has "restart-service, sudoers lacks the unit: names the exact line to add" "$WORK/err" \
  'add to /etc/sudoers.d/self-heal: healer ALL=(root) NOPASSWD: /usr/bin/systemctl restart foo\:bar.service'

RS_STATUS=resolved rs heals 1000 nginx.service
assert_eq "restart-service, resolved alert: exit 3, systemd not even asked" "3 " "$RC $(calls)"

for bad in "" "nginx.socket" "../../etc/passwd" "-x.service" "--force" "foo@.service" \
  "self-heal.service" "self-heal-restart-nginx-0123abcd.service" "a b.service" 'x$(id).service' \
  "nginx.service;reboot"; do
  rs heals 1000 "$bad"
  assert_eq "restart-service refuses unit '$bad': exit 2, systemd not asked" "2 " "$RC $(calls)"
done
rs heals 1000
assert_eq "restart-service without a unit: exit 2 (configuration error)" "2 " "$RC $(calls)"
assert_has "restart-service without a unit: usage" "$WORK/err" "<3>usage: restart-service"
rs heals 1000 nginx.service apache2.service
assert_eq "restart-service with two units: exit 2" "2 " "$RC $(calls)"
rs heals 1000 --verify-sec=abc nginx.service
assert_eq "restart-service --verify-sec=abc: exit 2" "2 " "$RC $(calls)"
RESTART_VERIFY_SEC=99999999 rs heals 1000 nginx.service
assert_eq "restart-service RESTART_VERIFY_SEC out of range: exit 2" "2 " "$RC $(calls)"
rs heals 1000 'postgresql@15-main.service'
assert_eq "restart-service accepts a template instance (sudo decides): exit 2 here, asked sudo" \
  "2 sudo -n -l -- systemctl restart postgresql@15-main.service" "$RC $(grep '^sudo' "$FAKE_DIR/calls")"

# The installed layout: handlers/restart-service finds ../handler-lib.sh.
mkdir -p "$WORK/usr-lib/handlers"
cp "$LIB" "$WORK/usr-lib/handler-lib.sh"
cp "$HANDLER" "$WORK/usr-lib/handlers/restart-service"
HANDLER_SAVED=$HANDLER
HANDLER=$WORK/usr-lib/handlers/restart-service
rs heals 1000 nginx.service
assert_eq "installed layout (handlers/../handler-lib.sh): works" 0 "$RC"
HANDLER=$HANDLER_SAVED

# ======================================================================================
# sudoers.d/self-heal and the example configuration
# ======================================================================================

# As shipped the file grants nothing (a host that installs the package must not allow
# restarts of units it may not even run); its examples, uncommented, are the rules
# an operator would enable, and they must be exact.
live=$(grep -vE '^[[:space:]]*(#|$)|^Defaults:healer !requiretty$' "$SUDOERS")
assert_eq "sudoers: as shipped, grants no command (every rule is a commented-out example)" "" "$live"
rules=$(sed -nE 's/^#(healer .*)$/\1/p' "$SUDOERS")
assert_true "sudoers: has at least one example rule" test -n "$rules"
bad_rules=$(printf '%s\n' "$rules" |
  grep -vE '^healer ALL=\(root\) NOPASSWD: /usr/bin/systemctl restart [A-Za-z0-9@._\\:-]+\.service$' || true)
assert_eq "sudoers: every example is one exact 'systemctl restart UNIT.service' for healer" "" "$bad_rules"
assert_eq "sudoers: no ALL command, no wildcard" "" \
  "$(printf '%s\n' "$rules" | grep -E 'NOPASSWD:[[:space:]]*ALL|[*?[]' || true)"
run visudo -cf "$SUDOERS"
assert_eq "sudoers: visudo -cf accepts it (visudo is in package sudo)" 0 "$RC"
sed -E 's/^#(healer .*)$/\1/' "$SUDOERS" >"$WORK/sudoers-enabled"
run visudo -cf "$WORK/sudoers-enabled"
assert_eq "sudoers: visudo -cf accepts it with every example enabled" 0 "$RC"

exec_line=$(grep -E '^Exec=' "$CONF_EXAMPLE")
unit=${exec_line##* }
assert_eq "example conf: runs the shipped handler with a fixed unit" \
  "Exec=/usr/lib/self-heal/handlers/restart-service nginx.service" "$exec_line"
assert_line "example conf: dry-run until trusted" "$CONF_EXAMPLE" "Mode=dry-run"
assert_line "example conf: runs as healer" "$CONF_EXAMPLE" "User=healer"
assert_eq "example conf: sections" "[Match] [Run] [Limit]" "$(grep -E '^\[' "$CONF_EXAMPLE" | paste -sd' ')"
assert_line "example conf: the sudoers file has the example line for exactly its unit" "$SUDOERS" \
  "#healer ALL=(root) NOPASSWD: /usr/bin/systemctl restart $unit"
mkdir -p "$WORK/etc/handlers.d"
cp "$CONF_EXAMPLE" "$WORK/etc/handlers.d/restart-nginx.conf"
run "$(dirname "$0")/../check_examples_here.sh" "$SELF_HEAL_BIN" "$WORK/etc"
assert_eq "example conf: self-heal check accepts it" 0 "$RC"

run shellcheck -x "$LIB" "$HANDLER" "${BASH_SOURCE[0]}"
assert_eq "shellcheck: handler-lib.sh, restart-service, run.sh are clean" 0 "$RC"
[[ $RC == 0 ]] || sed 's/^/#   /' "$WORK/out" | head -40

rm -f "$WORK/err"
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))

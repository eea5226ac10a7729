# shellcheck shell=bash
# handler-lib.sh — helpers for self-heal handlers.
# Installed as /usr/lib/self-heal/handler-lib.sh. A handler uses it like this:
#
#   #!/bin/bash
#   set -euo pipefail
#   source /usr/lib/self-heal/handler-lib.sh
#   sh_require_env SELF_HEAL_INSTANCE
#   sh_snapshot /etc/nginx/nginx.conf      # restored automatically if we fail
#   ...edit, then: sh_run_priv systemctl reload nginx.service
#   exit "$SH_HEALED"
#
# Exit codes (the handler contract; see DESIGN.md):
#   SH_HEALED=0          done: healed, and the budget for (handler, instance) reset,
#                        once the alert resolves within the handler's VerifySec=
#   SH_FAILED=1          failed, retry allowed: the attempt counts
#   SH_GIVE_UP=2         give up now: the breaker opens at once and a human is told
#   SH_NOT_APPLICABLE=3  nothing to do here: recorded, does not count
#
# What sourcing this file does to the calling shell, on purpose:
#   - turns on errtrace (set -E) and installs an ERR trap (chaining any existing one):
#     when the shell is about to die because of `set -e`, the failing line and command
#     are logged and the handler exits SH_FAILED (1). Without this, the failing
#     command's own status would become the handler's exit status, and a stray status
#     of 2 (grep's "error") or 3 (`systemctl is-active` on an inactive unit) would read
#     as "give up" or "not applicable" — the latter silently bypassing the breaker.
#   - defines variables and functions whose names start with SH_/sh_ (public) or
#     _SH_/_sh_ (private). Nothing else; no command runs with side effects.
#
# Snapshot and restore (sh_snapshot, sh_restore): see the comment above sh_snapshot.
#
# Output: the sh_info/sh_warn/sh_err helpers write one line to stderr, prefixed with a
# syslog priority ("<6>", "<4>", "<3>"). The handler runs in a transient unit whose
# output goes to the journal, and journald's stream reader turns that prefix into the
# entry's PRIORITY (SyslogLevelPrefix=, on by default).

if [[ -n ${_SH_LIB_LOADED:-} ]]; then
  return 0
fi
_SH_LIB_LOADED=1

readonly SH_HEALED=0
readonly SH_FAILED=1
readonly SH_GIVE_UP=2
readonly SH_NOT_APPLICABLE=3

# ---------------------------------------------------------------------------------------
# Logging

# _sh_log PRIORITY MESSAGE... — one line on stderr, whatever the message contains.
_sh_log() {
  local prio=$1
  shift
  local msg="$*"
  msg=${msg//$'\r'/ }
  msg=${msg//$'\n'/ }
  printf '<%s>%s\n' "$prio" "$msg" >&2
}

sh_info() { _sh_log 6 "$@"; }
sh_warn() { _sh_log 4 "$@"; }
sh_err() { _sh_log 3 "$@"; }

# _sh_quote WORD... — the words as one shell-quoted line, for log messages.
_sh_quote() {
  local out="" word
  for word in "$@"; do
    if [[ $word =~ ^[A-Za-z0-9@%+=:,./_-]+$ ]]; then
      out+="${out:+ }$word"
    else
      out+="${out:+ }$(printf '%q' "$word")"
    fi
  done
  printf '%s' "$out"
}

# ---------------------------------------------------------------------------------------
# Environment and privileges

# sh_require_env NAME... — exits SH_FAILED, naming the variable, unless every NAME is
# set and non-empty.
sh_require_env() {
  local name missing=()
  for name in "$@"; do
    if [[ ! $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
      sh_err "sh_require_env: '$name' is not a valid variable name"
      exit "$SH_FAILED"
    fi
    if [[ -z ${!name:-} ]]; then
      missing+=("$name")
    fi
  done
  if ((${#missing[@]} > 0)); then
    sh_err "required environment variable(s) not set: ${missing[*]} (self-heal sets SELF_HEAL_* when it runs a handler)"
    exit "$SH_FAILED"
  fi
}

# sh_is_root — true when running as uid 0.
sh_is_root() {
  [[ $(id -u) == 0 ]]
}

# sh_run_priv CMD [ARG...] — runs one privileged command and returns its status.
# As root the command runs directly; otherwise through `sudo -n` (never prompts), which
# only allows the exact command lines listed in /etc/sudoers.d/self-heal. The command
# is logged first. Give the command as sudoers names it, e.g.
# `sh_run_priv systemctl restart nginx.service`.
sh_run_priv() {
  if (($# == 0)); then
    sh_err "sh_run_priv: no command given"
    return "$SH_FAILED"
  fi
  if sh_is_root; then
    sh_info "running (as root): $(_sh_quote "$@")"
    "$@"
  else
    sh_info "running: sudo -n $(_sh_quote "$@")"
    sudo -n -- "$@"
  fi
}

# sh_can_run_priv CMD [ARG...] — true if sh_run_priv with the same words would be
# allowed: always as root, otherwise when sudoers lists that exact command line
# (`sudo -n -l CMD...`, which runs nothing). Use it to give up with a clear message
# instead of failing the same way at every attempt.
sh_can_run_priv() {
  if sh_is_root; then
    return 0
  fi
  sudo -n -l -- "$@" >/dev/null 2>&1
}

# ---------------------------------------------------------------------------------------
# Traps

# _sh_current_trap SIGNAL — prints the command of the trap currently set for SIGNAL.
_sh_current_trap() {
  local out
  out=$(trap -p "$1")
  [[ -n $out ]] || return 0
  # `trap -p` prints: trap -- 'COMMAND' SIGNAL, quoted by bash for re-input.
  eval "set -- $out"
  printf '%s' "${3:-}"
}

_sh_set_status() { return "$1"; }

_SH_PREV_ERR_TRAP=$(_sh_current_trap ERR)

# Runs when a command fails. Only acts when `set -e` is about to end the shell.
_sh_on_err() {
  local rc=$? line=${BASH_LINENO[0]:-?} cmd=$BASH_COMMAND
  if [[ -n $_SH_PREV_ERR_TRAP ]]; then
    { _sh_set_status "$rc"; eval "$_SH_PREV_ERR_TRAP"; } || true
  fi
  if [[ $- == *e* ]]; then
    sh_err "unexpected failure (status $rc) at line $line: $cmd; exiting with status $SH_FAILED (failed)"
    exit "$SH_FAILED"
  fi
  return "$rc"
}

set -E
trap '_sh_on_err' ERR

_SH_EXIT_TRAP_INSTALLED=""
_SH_PREV_EXIT_TRAP=""

_sh_on_exit() {
  local rc=$? final
  set +e
  trap - ERR
  trap '' HUP INT TERM # let the restore finish (systemd escalates to SIGKILL if need be)
  final=$rc
  if [[ -n ${_SH_SNAPSHOT_DIR:-} && -z ${_SH_RESTORED:-} ]]; then
    case $rc in
      "$SH_HEALED" | "$SH_NOT_APPLICABLE")
        sh_info "exit status $rc: keeping the changes; snapshot kept in $_SH_SNAPSHOT_DIR"
        ;;
      *)
        sh_warn "exit status $rc: restoring the snapshot $_SH_SNAPSHOT_DIR"
        if ! sh_restore "$_SH_SNAPSHOT_DIR"; then
          sh_err "restore incomplete: the host is in a state nobody intended; exiting with status $SH_GIVE_UP (give up) so that a human looks at it"
          final=$SH_GIVE_UP
        fi
        ;;
    esac
  fi
  if [[ -n $_SH_PREV_EXIT_TRAP ]]; then
    # The previous trap sees $? as the handler's status, as it would have.
    { _sh_set_status "$rc"; eval "$_SH_PREV_EXIT_TRAP"; } || true
  fi
  exit "$final"
}

_sh_on_signal() {
  sh_warn "received SIG$1"
  exit "$2"
}

# Installs the EXIT trap (chaining the current one) and, for signals that have no trap
# yet, traps that turn the signal into an exit (so the EXIT trap runs with a clear
# status). Safe to call again: it only re-chains when someone replaced our EXIT trap.
_sh_install_exit_trap() {
  local current
  current=$(_sh_current_trap EXIT)
  if [[ $current != "_sh_on_exit" ]]; then
    if [[ -n $_SH_EXIT_TRAP_INSTALLED ]]; then
      sh_warn "the EXIT trap was replaced after sh_snapshot; chaining it again"
    fi
    _SH_PREV_EXIT_TRAP=$current
    trap '_sh_on_exit' EXIT
    _SH_EXIT_TRAP_INSTALLED=1
  fi
  local sig num
  for sig in HUP:1 INT:2 TERM:15; do
    num=${sig#*:}
    sig=${sig%%:*}
    if [[ -z $(_sh_current_trap "$sig") ]]; then
      # shellcheck disable=SC2064  # expand now: the values are fixed
      trap "_sh_on_signal $sig $((128 + num))" "$sig"
    fi
  done
}

# ---------------------------------------------------------------------------------------
# Snapshot and restore
#
# sh_snapshot PATH... copies each PATH (file, directory or symlink; `cp -a`, so mode,
# owner when root, times and links are kept) into one snapshot per handler run:
#
#   ${SELF_HEAL_BACKUP_DIR:-/var/backups/self-heal}/<YYYYmmddTHHMMSSZ>-<handler>/
#       manifest     "# ..." header (handler, instance, fingerprint, attempt, time), then
#                    one line per path: "present<TAB>N<TAB>/abs/path" (copied to data/N)
#                    or "absent<TAB>N<TAB>/abs/path" (did not exist: remove on restore)
#       data/N       the copies
#       restored     written when the snapshot was restored (when, by whom)
#
# (A ".N" suffix is added when the same handler snapshots twice in one second.)
# Further sh_snapshot calls in the same run add to the same snapshot. A path already
# recorded, or inside a directory already recorded, is not copied again: the first,
# original copy wins. (A directory recorded after something inside it was changed is
# fine too: paths are restored in reverse order, so the earlier copy wins there as well.)
#
# The first successful call installs an EXIT trap (chaining any existing one): when the
# handler exits with any status other than 0 (done) or 3 (not applicable) — 1, 2, a
# `set -e` death (exit 1, see above), a signal (SIGTERM when TimeoutSec= is reached:
# exit 143) — every recorded path is put back as it was, the handler's status is kept,
# and what happened is logged. If the restore itself fails, the status becomes 2 (give
# up): retrying on top of a half-restored host would compound the damage.
#
# Restoring a path: the copy is first made next to the target (".NAME.self-heal-restore.PID"
# in the same directory) and renamed over it, so a config file is replaced atomically;
# a directory is swapped with two renames and the old one removed (it comes back exactly,
# files the handler added inside it are gone). When the parent directory is not writable
# but the file is, a regular file is copied back in place. A path recorded as absent is
# removed (rm -rf). Restore works with the handler's own privileges: a handler that lets
# sudo change a file it cannot write itself cannot have it restored.
#
# Refused: relative paths, "/", "." or ".." components, newlines, paths inside the
# backup directory or containing it. Fails (status 1, message on stderr) if the backup
# directory cannot be created or written; nothing is recorded then.
#
# Retention: after each new snapshot, only the newest SELF_HEAL_BACKUP_KEEP (default 10)
# snapshots of this handler are kept; snapshots of a run still in progress are never
# removed (each run holds a lock on its snapshot's ".lock").
#
# sh_restore [SNAPSHOT_DIR] restores the current run's snapshot now (the EXIT trap then
# has nothing left to do), or the given snapshot directory (for an operator restoring
# by hand: `bash -c 'source /usr/lib/self-heal/handler-lib.sh; sh_restore DIR'`).

_SH_SNAPSHOT_DIR=""
_SH_RESTORED=""
_SH_SNAPSHOT_COUNT=0
_SH_SNAPSHOT_LOCK_FD=""

_sh_backup_root() {
  local root=${SELF_HEAL_BACKUP_DIR:-/var/backups/self-heal}
  while [[ $root == */ && $root != / ]]; do root=${root%/}; done
  printf '%s' "$root"
}

_sh_handler_name() {
  local name=${SELF_HEAL_HANDLER:-}
  if [[ -z $name ]]; then
    name=${0##*/}
  fi
  name=${name//[^A-Za-z0-9_-]/_}
  printf '%s' "${name:-handler}"
}

# _sh_check_path PATH — prints PATH without trailing slashes, or explains and fails.
_sh_check_path() {
  local p=$1
  if [[ $p == *$'\n'* ]]; then
    sh_err "sh_snapshot: refusing a path containing a newline: $(_sh_quote "$p")"
    return 1
  fi
  if [[ $p != /* ]]; then
    sh_err "sh_snapshot: refusing relative path '$p': give an absolute path"
    return 1
  fi
  while [[ $p == */ && $p != / ]]; do p=${p%/}; done
  while [[ $p == *//* ]]; do p=${p//\/\///}; done
  if [[ $p == / ]]; then
    sh_err "sh_snapshot: refusing to snapshot /"
    return 1
  fi
  if [[ /$p/ == */./* || /$p/ == */../* ]]; then
    sh_err "sh_snapshot: refusing path '$p' with '.' or '..' components"
    return 1
  fi
  printf '%s' "$p"
}

# _sh_sanitize VALUE — VALUE with control characters replaced, for the manifest header.
_sh_sanitize() {
  local v=$1
  printf '%s' "${v//[[:cntrl:]]/?}"
}

_sh_prune() {
  local root=$1 handler=$2 keep=$3 current=$4
  local -a names=()
  local d name
  for d in "$root"/*; do
    [[ -d $d && ! -L $d ]] || continue
    name=${d##*/}
    if [[ $name =~ ^[0-9]{8}T[0-9]{6}Z-${handler}(\.[0-9]+)?$ ]]; then
      names+=("$name")
    fi
  done
  local excess=$((${#names[@]} - keep))
  ((excess > 0)) || return 0
  local -a sorted=()
  mapfile -t sorted < <(printf '%s\n' "${names[@]}" | LC_ALL=C sort -t. -k1,1 -k2,2n)
  local i
  for ((i = 0; i < ${#sorted[@]} && excess > 0; i++)); do
    d=$root/${sorted[i]}
    [[ $d != "$current" ]] || continue
    if command -v flock >/dev/null 2>&1 && [[ -e $d/.lock ]] &&
      ! flock -n -x "$d/.lock" true 2>/dev/null; then
      continue # a run still in progress holds it
    fi
    if rm -rf -- "$d"; then
      sh_info "removed old snapshot $d (keeping the newest $keep)"
      excess=$((excess - 1))
    else
      sh_warn "could not remove old snapshot $d"
    fi
  done
  return 0
}

# _sh_new_snapshot_dir — creates this run's snapshot directory and sets _SH_SNAPSHOT_DIR.
_sh_new_snapshot_dir() {
  local root handler stamp base dir i
  root=$(_sh_backup_root)
  handler=$(_sh_handler_name)
  if [[ $root != /* ]]; then
    sh_err "sh_snapshot: SELF_HEAL_BACKUP_DIR must be an absolute path, got '$root'"
    return 1
  fi
  if [[ ! -d $root ]] && ! (umask 077 && mkdir -p -- "$root") 2>/dev/null; then
    sh_err "sh_snapshot: backup directory $root does not exist and cannot be created by $(id -un 2>/dev/null || id -u); create it writable for this user (the package's tmpfiles.d does) or set SELF_HEAL_BACKUP_DIR"
    return 1
  fi
  if [[ ! -d $root || ! -w $root || ! -x $root ]]; then
    sh_err "sh_snapshot: backup directory $root is not a writable directory for $(id -un 2>/dev/null || id -u); nothing was changed"
    return 1
  fi
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  base=$root/$stamp-$handler
  dir=""
  for ((i = 1; i <= 100; i++)); do
    local candidate=$base
    ((i == 1)) || candidate=$base.$i
    if mkdir -m 0700 -- "$candidate" 2>/dev/null; then
      dir=$candidate
      break
    fi
    if [[ ! -e $candidate ]]; then
      sh_err "sh_snapshot: cannot create $candidate in $root"
      return 1
    fi
  done
  if [[ -z $dir ]]; then
    sh_err "sh_snapshot: cannot find a free snapshot name for $base"
    return 1
  fi
  if ! mkdir -m 0700 -- "$dir/data" ||
    ! {
      printf '# self-heal snapshot: restore with sh_restore %s\n' "$(_sh_quote "$dir")"
      printf '# created=%s handler=%s user=%s pid=%s\n' "$stamp" "$handler" \
        "$(id -un 2>/dev/null || id -u)" "$$"
      printf '# alertname=%s instance=%s fingerprint=%s attempt=%s\n' \
        "$(_sh_sanitize "${SELF_HEAL_ALERTNAME:-}")" "$(_sh_sanitize "${SELF_HEAL_INSTANCE:-}")" \
        "$(_sh_sanitize "${SELF_HEAL_FINGERPRINT:-}")" "$(_sh_sanitize "${SELF_HEAL_ATTEMPT:-}")"
      printf '# state<TAB>index<TAB>path: present = copied to data/index, absent = remove on restore\n'
    } >"$dir/manifest"; then
    sh_err "sh_snapshot: cannot write $dir/manifest"
    rm -rf -- "$dir"
    return 1
  fi
  if command -v flock >/dev/null 2>&1; then
    local fd
    if exec {fd}>"$dir/.lock" && flock -s "$fd"; then
      _SH_SNAPSHOT_LOCK_FD=$fd
    fi
  fi
  _SH_SNAPSHOT_DIR=$dir
  _SH_SNAPSHOT_COUNT=0
}

# _sh_drop_snapshot_dir — removes this run's (empty) snapshot after a failed first call.
_sh_drop_snapshot_dir() {
  if [[ -n $_SH_SNAPSHOT_LOCK_FD ]]; then
    exec {_SH_SNAPSHOT_LOCK_FD}>&-
    _SH_SNAPSHOT_LOCK_FD=""
  fi
  rm -rf -- "$_SH_SNAPSHOT_DIR"
  _SH_SNAPSHOT_DIR=""
  _SH_SNAPSHOT_COUNT=0
}

# _sh_covered PATH — prints the recorded path that already covers PATH (PATH itself or
# a directory containing it) in the current snapshot; fails if there is none.
_sh_covered() {
  local state idx path
  [[ -n $_SH_SNAPSHOT_DIR ]] || return 1
  while IFS=$'\t' read -r state idx path; do
    [[ $state == present || $state == absent ]] || continue
    if [[ $1 == "$path" || $1 == "$path"/* ]]; then
      printf '%s' "$path"
      return 0
    fi
  done <"$_SH_SNAPSHOT_DIR/manifest"
  return 1
}

sh_snapshot() {
  if (($# == 0)); then
    sh_err "sh_snapshot: no paths given"
    return "$SH_FAILED"
  fi
  local keep=${SELF_HEAL_BACKUP_KEEP:-10}
  if [[ ! $keep =~ ^[0-9]+$ ]] || ((10#$keep < 1)); then
    sh_err "sh_snapshot: SELF_HEAL_BACKUP_KEEP must be a whole number of at least 1, got '$keep'"
    return "$SH_FAILED"
  fi
  keep=$((10#$keep))
  local root p checked
  root=$(_sh_backup_root)
  local -a paths=()
  for p in "$@"; do
    checked=$(_sh_check_path "$p") || return "$SH_FAILED"
    if [[ $checked == "$root" || $checked/ == "$root"/* || $root/ == "$checked"/* ]]; then
      sh_err "sh_snapshot: refusing $checked: it is, contains or lies inside the backup directory $root"
      return "$SH_FAILED"
    fi
    paths+=("$checked")
  done

  local created=""
  if [[ -z $_SH_SNAPSHOT_DIR ]]; then
    _sh_new_snapshot_dir || return "$SH_FAILED"
    created=1
  fi
  local dir=$_SH_SNAPSHOT_DIR idx=$_SH_SNAPSHOT_COUNT
  local -a new_states=() new_indexes=() new_paths=() copied=()
  local failed="" err q dup
  for p in "${paths[@]}"; do
    dup=""
    for q in "${new_paths[@]}"; do
      if [[ $p == "$q" || $p == "$q"/* ]]; then
        dup=$q
      fi
    done
    if [[ -n $dup ]] || dup=$(_sh_covered "$p"); then
      sh_info "snapshot: $p is already covered by the snapshot of $dup; keeping that copy"
      continue
    fi
    idx=$((idx + 1))
    if [[ -e $p || -L $p ]]; then
      if ! err=$(cp -a -- "$p" "$dir/data/$idx" 2>&1); then
        sh_err "sh_snapshot: cannot copy $p: ${err:-cp failed}"
        failed=1
        break
      fi
      copied+=("$dir/data/$idx")
      new_states+=(present)
    else
      new_states+=(absent)
    fi
    new_indexes+=("$idx")
    new_paths+=("$p")
  done
  local i
  if [[ -z $failed ]] && ((${#new_paths[@]} > 0)); then
    if ! for ((i = 0; i < ${#new_paths[@]}; i++)); do
      printf '%s\t%s\t%s\n' "${new_states[i]}" "${new_indexes[i]}" "${new_paths[i]}"
    done >>"$dir/manifest"; then
      sh_err "sh_snapshot: cannot write $dir/manifest"
      failed=1
    fi
  fi
  if [[ -n $failed ]]; then
    # Nothing of this call is recorded: the restore will not touch these paths.
    ((${#copied[@]} == 0)) || rm -rf -- "${copied[@]}"
    if [[ -n $created ]]; then
      _sh_drop_snapshot_dir
    fi
    sh_err "sh_snapshot: no snapshot taken; change nothing"
    return "$SH_FAILED"
  fi
  _SH_SNAPSHOT_COUNT=$idx
  _sh_install_exit_trap
  for ((i = 0; i < ${#new_paths[@]}; i++)); do
    if [[ ${new_states[i]} == present ]]; then
      sh_info "snapshot: ${new_paths[i]} -> $dir/data/${new_indexes[i]}"
    else
      sh_info "snapshot: ${new_paths[i]} does not exist (removed again on restore)"
    fi
  done
  if [[ -n $created ]]; then
    _sh_prune "$root" "$(_sh_handler_name)" "$keep" "$dir"
  fi
  return 0
}

# _sh_put_back SOURCE TARGET — replaces TARGET by a copy of SOURCE (see above).
_sh_put_back() {
  local src=$1 target=$2 parent base tmp old err
  parent=${target%/*}
  [[ -n $parent ]] || parent=/
  base=${target##*/}
  if [[ ! -d $parent ]]; then
    if ! err=$(mkdir -p -- "$parent" 2>&1); then
      sh_err "restore: cannot recreate directory $parent: $err"
      return 1
    fi
    sh_warn "restore: recreated missing directory $parent"
  fi
  tmp=$parent/.$base.self-heal-restore.$$
  old=$parent/.$base.self-heal-old.$$
  rm -rf -- "$tmp" "$old" 2>/dev/null || true
  if err=$(cp -a -- "$src" "$tmp" 2>&1); then
    if [[ -d $target && ! -L $target ]]; then
      if ! err=$(mv -T -- "$target" "$old" 2>&1); then
        rm -rf -- "$tmp"
        sh_err "restore: cannot move $target aside: $err"
        return 1
      fi
      if ! err=$(mv -T -- "$tmp" "$target" 2>&1); then
        mv -T -- "$old" "$target" 2>/dev/null || true
        rm -rf -- "$tmp"
        sh_err "restore: cannot put $target back: $err"
        return 1
      fi
      rm -rf -- "$old" || sh_warn "restore: could not remove $old"
    elif ! err=$(mv -fT -- "$tmp" "$target" 2>&1); then
      rm -rf -- "$tmp"
      sh_err "restore: cannot put $target back: $err"
      return 1
    fi
    return 0
  fi
  rm -rf -- "$tmp" 2>/dev/null || true
  # The directory is not writable for us; a regular file may still be, in place.
  if [[ -f $src && ! -L $src && -f $target && ! -L $target ]]; then
    if err=$(cp -a -- "$src" "$target" 2>&1); then
      return 0
    fi
  fi
  sh_err "restore: cannot put $target back: $err"
  return 1
}

sh_restore() {
  local dir=${1:-$_SH_SNAPSHOT_DIR}
  if [[ -z $dir ]]; then
    sh_warn "sh_restore: no snapshot was taken; nothing to restore"
    return 0
  fi
  while [[ $dir == */ && $dir != / ]]; do dir=${dir%/}; done
  local manifest=$dir/manifest
  if [[ ! -f $manifest || ! -r $manifest ]]; then
    sh_err "sh_restore: $manifest is missing or unreadable; nothing restored"
    return 1
  fi
  local -a states=() indexes=() paths=()
  local state idx path
  while IFS=$'\t' read -r state idx path; do
    case $state in
      present | absent) ;;
      *) continue ;;
    esac
    if [[ ! $idx =~ ^[0-9]+$ ]] || ! _sh_check_path "$path" >/dev/null; then
      sh_err "sh_restore: malformed manifest line in $manifest; nothing restored"
      return 1
    fi
    states+=("$state")
    indexes+=("$idx")
    paths+=("$path")
  done <"$manifest"
  # Directories restored so far (later entries come first): restoring a path inside
  # one of them changes that directory's mtime, which is then set back from its copy.
  local -a done_dirs=() done_dir_indexes=()
  local i j failures=0 total=${#paths[@]} container container_idx parent err
  for ((i = total - 1; i >= 0; i--)); do
    path=${paths[i]}
    container=""
    for ((j = 0; j < ${#done_dirs[@]}; j++)); do
      if [[ $path == "${done_dirs[j]}"/* ]]; then
        container=${done_dirs[j]}
        container_idx=${done_dir_indexes[j]}
        break
      fi
    done
    if [[ ${states[i]} == present ]]; then
      local src=$dir/data/${indexes[i]}
      if [[ ! -e $src && ! -L $src ]]; then
        sh_err "restore: $src is missing; cannot restore $path"
        failures=$((failures + 1))
        continue
      elif _sh_put_back "$src" "$path"; then
        sh_info "restored $path"
        if [[ -d $src && ! -L $src ]]; then
          done_dirs+=("$path")
          done_dir_indexes+=("${indexes[i]}")
        fi
      else
        failures=$((failures + 1))
        continue
      fi
    elif [[ -e $path || -L $path ]]; then
      if err=$(rm -rf -- "$path" 2>&1) && [[ ! -e $path && ! -L $path ]]; then
        sh_info "removed $path (it did not exist before)"
      else
        sh_err "restore: cannot remove $path: ${err:-still there}"
        failures=$((failures + 1))
        continue
      fi
    else
      continue
    fi
    if [[ -n $container ]]; then
      parent=${path%/*}
      local ref=$dir/data/$container_idx${parent#"$container"}
      if [[ -d $ref ]]; then
        touch -h -r "$ref" -- "$parent" 2>/dev/null || true
      fi
    fi
  done
  if ((failures > 0)); then
    sh_err "restore of $dir incomplete: $failures of $total path(s) failed; the snapshot is kept"
    return 1
  fi
  {
    printf 'restored=%s user=%s pid=%s\n' "$(date -u +%Y%m%dT%H%M%SZ)" \
      "$(id -un 2>/dev/null || id -u)" "$$"
  } >"$dir/restored" 2>/dev/null || true
  if [[ $dir == "$_SH_SNAPSHOT_DIR" ]]; then
    _SH_RESTORED=1
  fi
  sh_info "restored $total path(s) from $dir"
  return 0
}

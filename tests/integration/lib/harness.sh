# shellcheck shell=bash
# harness.sh — boot a throwaway container with real systemd as PID 1, install
# self-heal into it, run checks inside, and always tear it down. Sourced by
# tests/integration/scenarios/*.sh; see tests/integration/README.md.
#
# The container root is an overlayfs: the host "/" read-only below, a fresh
# tmpfs above. It sees every package and the build tree, and nothing it writes
# reaches the host. NEVER boot systemd over the writable host root: it wipes
# /tmp and breaks the machine (docs/real-systemd.md).
#
# Functions
#   container_boot PREFIX [NSPAWN_ARG...]  boot; sets CT_NAME CT_ROOT CT_LEADER
#   in_container CMD...                    run CMD inside (clean environment)
#   container_install [BUILD_DIR]          copy the built .deb (HARNESS_DIST_DIR,
#                                          default REPO/dist, from scripts/package)
#                                          into the root and dpkg -i it inside: its
#                                          postinst creates healer, enables and
#                                          starts self-heal.socket and its path unit
#   container_install_from_build BUILD_DIR cmake --install into the root, then
#                                          daemon-reload, sysusers, tmpfiles, catalog
#                                          (scripts/demo, which builds from source)
#   container_curl CURL_ARG...             curl inside, with a timeout
#   container_unmask UNIT...               undo the harness's mask of a host unit
#                                          (the real chain: prometheus-node-exporter)
#   container_teardown                     power off, kill leftovers, unmount;
#                                          runs by itself on EXIT/INT/TERM
#   assert_eq EXPECTED ACTUAL [DESC]       }
#   assert_contains HAYSTACK NEEDLE [DESC] } print "ok N - DESC" / "not ok N - DESC"
#   assert_not_contains HAYSTACK NEEDLE    } and count; they never abort
#   assert_ok CMD... / assert_fail CMD...  }
#   assert_that DESC CMD...                }
#   wait_until SECONDS CMD...              poll CMD every 0.1 s; 1 on timeout
#   mounts_below DIR                       host mount points at or below DIR
#   diag MSG / die MSG                     "# MSG" / print and exit 1
#
# A scenario exits 0 if every assertion passed. Environment:
#   HARNESS_NETWORK=private (default) | host   private: the container has only
#       its own "lo", so tests never clash on ports; reach it with in_container.
#   HARNESS_WORKDIR (default /var/tmp/self-heal-it)   where containers live.
#   HARNESS_BOOT_TIMEOUT (default 30)   seconds to reach "running".
#   HARNESS_DIST_DIR (default REPO/dist)   where container_install finds the .deb.

set -uo pipefail

HARNESS_WORKDIR=${HARNESS_WORKDIR:-/var/tmp/self-heal-it}
HARNESS_NETWORK=${HARNESS_NETWORK:-private}
HARNESS_BOOT_TIMEOUT=${HARNESS_BOOT_TIMEOUT:-30}
CG_HIERARCHIES=(/sys/fs/cgroup/systemd /sys/fs/cgroup/unified)

CT_NAME='' CT_DIR='' CT_ROOT='' CT_LOG='' CT_NSPAWN_PID='' CT_LEADER='' CT_SPAWNING=''
T_COUNT=0 T_FAILED=0
T_SCENARIO=$(basename "${0%.sh}")
T_START=$EPOCHREALTIME
T_BOOT_SECS='' T_TEARDOWN_SECS=''

# --- output and assertions -------------------------------------------------

diag() { printf '# %s\n' "$*"; }
die() { printf 'not ok - %s: %s\n' "$T_SCENARIO" "$*"; T_FAILED=$((T_FAILED + 1)); exit 1; }
_usec() { local t=${1:-$EPOCHREALTIME}; echo $((10#${t/./})); }
_to_usec() {  # "1.5" -> 1500000
  local i=${1%%.*} f=''
  [[ $1 == *.* ]] && f=${1#*.}
  f=${f}000000
  echo $(( 10#${i:-0} * 1000000 + 10#${f:0:6} ))
}
_elapsed() {  # seconds since EPOCHREALTIME value $1, two decimals
  local d=$(( $(_usec) - $(_usec "$1") ))
  printf '%d.%02d' $((d / 1000000)) $((d % 1000000 / 10000))
}

_result() {  # _result STATUS DESC [DETAIL...]
  local status=$1 desc=$2; shift 2
  T_COUNT=$((T_COUNT + 1))
  if [[ $status == 0 ]]; then
    printf 'ok %d - %s\n' "$T_COUNT" "$desc"
  else
    T_FAILED=$((T_FAILED + 1))
    printf 'not ok %d - %s\n' "$T_COUNT" "$desc"
    local line
    for line in "$@"; do printf '#   %s\n' "$line"; done
  fi
}

assert_eq() {
  local expected=$1 actual=$2 desc=${3:-"'$2' == '$1'"}
  [[ $expected == "$actual" ]]
  _result $? "$desc" "expected: '$expected'" "actual:   '$actual'"
}

assert_contains() {
  local haystack=$1 needle=$2 desc=${3:-"contains '$2'"}
  [[ $haystack == *"$needle"* ]]
  _result $? "$desc" "missing: '$needle'" "in:" "${haystack//$'\n'/$'\n'#   }"
}

assert_not_contains() {
  local haystack=$1 needle=$2 desc=${3:-"does not contain '$2'"}
  [[ $haystack != *"$needle"* ]]
  _result $? "$desc" "unexpected: '$needle'" "in:" "${haystack//$'\n'/$'\n'#   }"
}

assert_ok() {
  local out rc
  out=$("$@" 2>&1); rc=$?
  _result "$rc" "$*" "exit status $rc" "${out//$'\n'/$'\n'#   }"
}

assert_that() {  # assert_that DESC CMD...: ok if CMD succeeds
  local desc=$1 out rc; shift
  out=$("$@" 2>&1); rc=$?
  _result "$rc" "$desc" "$* -> exit status $rc" "${out//$'\n'/$'\n'#   }"
}

assert_fail() {
  local out rc
  out=$("$@" 2>&1); rc=$?
  [[ $rc != 0 ]]
  _result $? "fails: $*" "exit status 0" "${out//$'\n'/$'\n'#   }"
}

wait_until() {  # wait_until SECONDS CMD...
  local deadline=$(( $(_usec) + $(_to_usec "$1") )); shift
  until "$@" >/dev/null 2>&1; do
    if (( $(_usec) > deadline )); then
      diag "timed out waiting for: $*"
      return 1
    fi
    sleep 0.1
  done
}

# --- the container ----------------------------------------------------------

# Units the host image enables that open ports, talk to the network, or fail in
# a container. Everything else enabled under /etc/systemd/system/*.wants is
# masked too (see _mask_host_units), so the container runs only what
# distribution packages start statically, plus what a test installs.
HARNESS_MASK=(
  postgresql.service prometheus.service prometheus-alertmanager.service
  prometheus-node-exporter.service
  prometheus-node-exporter-apt.timer prometheus-node-exporter-ipmitool-sensor.timer
  prometheus-node-exporter-mellanox-hca-temp.timer prometheus-node-exporter-nvme.timer
  prometheus-node-exporter-smartmon.timer
  webhook.service smartd.service smartmontools.service
  nvmf-autoconnect.service nvmefc-boot-connections.service openipmi.service
  systemd-timesyncd.service systemd-pstore.service
  getty@.service serial-getty@.service console-getty.service
  container-getty@.service getty-static.service
  apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer man-db.timer
  fstrim.timer e2scrub_all.timer e2scrub_reap.service
)

_mask_host_units() {
  local etc=$CT_ROOT/etc/systemd/system unit link
  for link in /etc/systemd/system/*.wants/*; do
    unit=$(basename "$link")
    [[ $unit == *.target ]] && continue   # targets start nothing by themselves
    HARNESS_MASK+=("$unit")
  done
  for unit in "${HARNESS_MASK[@]}"; do
    ln -sfn /dev/null "$etc/$unit"
  done
  ln -sfn /lib/systemd/system/multi-user.target "$etc/default.target"
}

_pid_alive() {  # true for a live process, false for a gone or zombie one
  local state
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

container_boot() {  # container_boot PREFIX [NSPAWN_ARG...]
  local prefix=$1; shift
  [[ -z $CT_NAME ]] || die "container_boot: '$CT_NAME' is already up"
  [[ $(id -u) == 0 ]] || die "container_boot: needs root"
  command -v systemd-nspawn >/dev/null || die "container_boot: systemd-nspawn missing (apt-get install systemd-container)"
  local t0=$EPOCHREALTIME

  CT_NAME="$prefix-$$-$RANDOM"
  CT_DIR=$HARNESS_WORKDIR/$CT_NAME
  CT_ROOT=$CT_DIR/root
  CT_LOG=$HARNESS_WORKDIR/$CT_NAME.log
  mkdir -p "$CT_DIR" || die "cannot create $CT_DIR"
  echo $$ >"$HARNESS_WORKDIR/$CT_NAME.owner"
  mount -t tmpfs -o mode=0755 "tmpfs-$CT_NAME" "$CT_DIR" || die "cannot mount tmpfs on $CT_DIR"
  mkdir -p "$CT_DIR/upper" "$CT_DIR/work" "$CT_ROOT"
  mount -t overlay "ovl-$CT_NAME" \
    -o "lowerdir=/,upperdir=$CT_DIR/upper,workdir=$CT_DIR/work" "$CT_ROOT" \
    || die "cannot mount overlay on $CT_ROOT"
  [[ -d $CT_ROOT/usr/lib/systemd ]] || die "overlay at $CT_ROOT does not show the host root"
  _mask_host_units
  # Its own machine id, so its journal is its own (not the host's directory name).
  systemd-id128 new >"$CT_ROOT/etc/machine-id"

  local net=(--private-network)
  [[ $HARNESS_NETWORK == host ]] && net=()
  local cg
  for cg in "${CG_HIERARCHIES[@]}"; do mkdir -p "$cg/$CT_NAME" || die "cannot create cgroup $cg/$CT_NAME"; done
  # The subshell moves itself into the container's own cgroups, then becomes
  # nspawn (setsid execs without forking: a background job of a script is no
  # process group leader). With --keep-unit nspawn puts payload/ and
  # supervisor/ below its own cgroup, so each container needs its own.
  # --console=read-only copies the console to CT_LOG; "passive" would leave a
  # pty nobody reads, and PID 1 blocks once its buffer is full.
  CT_SPAWNING=1
  (
    for cg in "${CG_HIERARCHIES[@]}"; do echo "$BASHPID" >"$cg/$CT_NAME/cgroup.procs"; done
    exec setsid systemd-nspawn -D "$CT_ROOT" --register=no --keep-unit -M "$CT_NAME" \
      --console=read-only --setenv=SYSTEMD_COLORS=0 "${net[@]}" "$@" -b
  ) </dev/null >"$CT_LOG" 2>&1 &
  CT_NSPAWN_PID=$! CT_SPAWNING=''
  echo "$CT_NSPAWN_PID" >"$HARNESS_WORKDIR/$CT_NAME.nspawn"

  local deadline=$((SECONDS + HARNESS_BOOT_TIMEOUT)) state=''
  until CT_LEADER=$(pgrep -P "$CT_NSPAWN_PID" -x systemd); do
    _pid_alive "$CT_NSPAWN_PID" || _boot_failed "systemd-nspawn exited"
    (( SECONDS < deadline )) || _boot_failed "no systemd below nspawn after ${HARNESS_BOOT_TIMEOUT}s"
    sleep 0.05
  done
  while :; do
    state=$(in_container systemctl is-system-running 2>/dev/null)
    case $state in
      running) break ;;
      degraded) _boot_failed "system is degraded" ;;
      stopping|maintenance) _boot_failed "system is $state" ;;
    esac
    _pid_alive "$CT_NSPAWN_PID" || _boot_failed "systemd-nspawn exited"
    (( SECONDS < deadline )) || _boot_failed "not running after ${HARNESS_BOOT_TIMEOUT}s (state '$state')"
    sleep 0.05
  done
  T_BOOT_SECS=$(_elapsed "$t0")
  diag "container $CT_NAME up in ${T_BOOT_SECS}s (leader $CT_LEADER, nspawn $CT_NSPAWN_PID)"
}

_boot_failed() {
  printf '# boot failed: %s\n' "$1"
  if [[ -n $CT_LEADER ]] && _pid_alive "$CT_LEADER"; then
    printf '# --- systemctl --failed\n'
    in_container systemctl --failed --no-legend 2>&1 | sed 's/^/#   /'
    printf '# --- journal (warnings and worse)\n'
    in_container journalctl -b -p warning --no-pager -n 40 2>&1 | sed 's/^/#   /'
  fi
  printf '# --- nspawn log %s (tail)\n' "$CT_LOG"
  tail -n 40 "$CT_LOG" 2>/dev/null | sed 's/^/#   /'
  die "container did not boot: $1"
}

in_container() {
  [[ -n $CT_LEADER ]] || { echo "in_container: no container" >&2; return 125; }
  nsenter -t "$CT_LEADER" -a -- env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM=dumb SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

container_curl() { in_container curl -sS --max-time 10 "$@"; }

# The harness masks the host's units (HARNESS_MASK); a scenario that runs one for
# real removes the mask from the upper layer and reloads.
container_unmask() {  # container_unmask UNIT...
  local unit
  for unit in "$@"; do
    [[ -L $CT_ROOT/etc/systemd/system/$unit ]] && rm -f "$CT_ROOT/etc/systemd/system/$unit"
  done
  in_container systemctl daemon-reload
}

HARNESS_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
HARNESS_DIST_DIR=${HARNESS_DIST_DIR:-$HARNESS_REPO/dist}
HARNESS_DEB_IN_CT=/var/cache/self-heal-test   # where the .deb is copied, inside

harness_deb() {  # the one self-heal .deb in HARNESS_DIST_DIR, or fail naming it
  local debs=()
  shopt -s nullglob
  debs=("$HARNESS_DIST_DIR"/self-heal_*_*.deb)
  shopt -u nullglob
  if ((${#debs[@]} != 1)); then
    echo "expected one self-heal_*.deb in $HARNESS_DIST_DIR, found ${#debs[@]}: run scripts/package (or set HARNESS_DIST_DIR)" >&2
    return 1
  fi
  printf '%s\n' "${debs[0]}"
}

# The package, as an operator installs it. Files reach the container by being
# copied into its root: a host path (/tmp, a clone elsewhere) is not visible inside.
container_install() {  # container_install [BUILD_DIR]
  local build=${1:-} deb out
  deb=$(harness_deb 2>&1) || die "container_install: $deb"
  if [[ -n $build && $build/self-heal -nt $deb ]]; then
    diag "note: $build/self-heal is newer than $(basename "$deb"); run scripts/package to test the current sources"
  fi
  mkdir -p "$CT_ROOT$HARNESS_DEB_IN_CT" || die "container_install: cannot create $HARNESS_DEB_IN_CT in the container"
  cp "$deb" "$CT_ROOT$HARNESS_DEB_IN_CT/" || die "container_install: cannot copy $deb into the container"
  CT_DEB=$HARNESS_DEB_IN_CT/$(basename "$deb")
  # A build host image may carry a policy-rc.d that forbids starting services
  # (exit 101), which deb-systemd-invoke obeys: a real machine has none. Hide it
  # in the container's upper layer only.
  if [[ -e $CT_ROOT/usr/sbin/policy-rc.d ]]; then
    rm -f "$CT_ROOT/usr/sbin/policy-rc.d" || die "container_install: cannot remove policy-rc.d in the container"
  fi
  out=$(in_container env DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold "$CT_DEB" 2>&1) \
    || die "dpkg -i $(basename "$deb") failed: ${out//$'\n'/$'\n'#   }"
  # Warnings from the maintainer scripts (dpkg's own progress lines are expected).
  out=$(grep -vE '^(Selecting previously unselected package|\(Reading database|Preparing to unpack|Unpacking|Setting up|Processing triggers for|Created symlink)' <<<"$out")
  [[ -z $out ]] || printf '#   %s\n' "${out//$'\n'/$'\n'#   }"
}

container_install_from_build() {  # container_install_from_build BUILD_DIR
  local build=$1 out
  [[ -x $build/self-heal ]] || die "container_install_from_build: $build/self-heal not built"
  # Into the overlay's upper layer through the merged root: never the host.
  out=$(DESTDIR=$CT_ROOT cmake --install "$build" --prefix /usr 2>&1) \
    || die "cmake --install failed: $out"
  # Only our files, as a package's postinst would: errors in them surface here.
  local step
  for step in "systemctl daemon-reload" "systemd-sysusers self-heal.conf" \
              "systemd-tmpfiles --create self-heal.conf" "journalctl --update-catalog"; do
    # shellcheck disable=SC2086 # each step is a command line to split
    out=$(in_container $step 2>&1) || die "'$step' failed: $out"
    [[ -z $out ]] || printf '#   %s\n' "${out//$'\n'/$'\n'#   }"
  done
}

mounts_below() {  # mount points at or below DIR, one a line
  awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts
}

# Safe to call twice and from any state a failed boot leaves behind.
container_teardown() {
  [[ -n $CT_NAME ]] || return 0
  local t0 cg i m leftovers=()
  t0=$EPOCHREALTIME
  # Interrupted between starting nspawn and noting its PID.
  [[ -n $CT_SPAWNING && -z $CT_NSPAWN_PID ]] && CT_NSPAWN_PID=$!
  if _pid_alive "$CT_NSPAWN_PID"; then
    # SIGTERM makes nspawn send SIGRTMIN+3 (power off) to the container's PID 1.
    # Early in a boot PID 1 has no handler for it yet and the kernel drops it
    # (interrupted mid-boot): so send it again every second.
    for ((i = 0; i < 100; i++)); do
      ((i % 10 == 0)) && kill -TERM "$CT_NSPAWN_PID" 2>/dev/null
      _pid_alive "$CT_NSPAWN_PID" || break
      sleep 0.1
    done
    if _pid_alive "$CT_NSPAWN_PID"; then
      diag "nspawn $CT_NSPAWN_PID still running after 10 s of SIGTERM; killing"
      kill -KILL "$CT_NSPAWN_PID" 2>/dev/null
    fi
  fi
  for i in 1 2 3; do   # leftovers, should there be any
    local pids=()
    for cg in "${CG_HIERARCHIES[@]}"; do
      [[ -d $cg/$CT_NAME ]] && mapfile -t -O "${#pids[@]}" pids < <(find "$cg/$CT_NAME" -name cgroup.procs -exec cat {} + 2>/dev/null)
    done
    ((${#pids[@]})) || break
    diag "killing leftover processes: ${pids[*]}"
    kill -KILL "${pids[@]}" 2>/dev/null
    sleep 0.2
  done
  wait "$CT_NSPAWN_PID" 2>/dev/null
  if [[ -n $CT_DIR ]]; then
    # Whatever nspawn left mounted below the root first, then the root, then the tmpfs.
    local m
    for m in $(mounts_below "$CT_DIR" | sort -r); do
      umount "$m" 2>/dev/null || umount -l "$m" || leftovers+=("mount $m")
    done
    rmdir "$CT_DIR" 2>/dev/null
  fi
  for cg in "${CG_HIERARCHIES[@]}"; do
    [[ -d $cg/$CT_NAME ]] && find "$cg/$CT_NAME" -depth -type d -exec rmdir {} + 2>/dev/null
    [[ -d $cg/$CT_NAME ]] && leftovers+=("cgroup $cg/$CT_NAME")
  done
  rm -rf "/run/systemd/nspawn/propagate/$CT_NAME"
  _pid_alive "$CT_NSPAWN_PID" && leftovers+=("nspawn pid $CT_NSPAWN_PID")
  m=$(mounts_below "$CT_DIR")
  [[ -z $m ]] || leftovers+=("mounts: ${m//$'\n'/ }")
  rm -f "$HARNESS_WORKDIR/$CT_NAME.owner" "$HARNESS_WORKDIR/$CT_NAME.nspawn"
  T_TEARDOWN_SECS=$(_elapsed "$t0")
  if ((${#leftovers[@]})); then
    _result 1 "teardown of $CT_NAME left nothing behind" "${leftovers[@]}"
  else
    diag "container $CT_NAME torn down in ${T_TEARDOWN_SECS}s"
    [[ $T_FAILED == 0 ]] && rm -f "$CT_LOG"   # keep the console log of a failed run
  fi
  CT_NAME='' CT_LEADER='' CT_NSPAWN_PID='' CT_SPAWNING=''
}

# Containers of runs that died without tearing down (kill -9, power loss): their
# owner process is gone. run.sh calls this before starting.
harness_reap_stale() {
  local owner name
  find "$HARNESS_WORKDIR" -maxdepth 1 -name '*.log' -mtime +7 -delete 2>/dev/null
  for owner in "$HARNESS_WORKDIR"/*.owner; do
    [[ -e $owner ]] || continue
    _pid_alive "$(cat "$owner")" && continue
    name=$(basename "$owner" .owner)
    diag "reaping stale container $name"
    CT_NAME=$name CT_DIR=$HARNESS_WORKDIR/$name CT_LOG=$HARNESS_WORKDIR/$name.log
    CT_NSPAWN_PID=$(cat "$HARNESS_WORKDIR/$name.nspawn" 2>/dev/null)
    [[ $(cat "/proc/$CT_NSPAWN_PID/comm" 2>/dev/null) == systemd-nspawn ]] || CT_NSPAWN_PID=''
    container_teardown
  done
  CT_DIR='' CT_LOG=''
}

_harness_exit() {
  local rc=$?
  trap - EXIT INT TERM
  container_teardown
  ((T_FAILED > 0 && rc == 0)) && rc=1
  # A scenario that ran no check proved nothing (it broke early): fail it.
  if ((T_COUNT == 0 && rc == 0)) && [[ ${HARNESS_REQUIRE_CHECKS:-1} == 1 ]]; then
    printf 'not ok - %s: ran no check\n' "$T_SCENARIO"
    rc=1
  fi
  diag "$T_SCENARIO: $T_COUNT checks, $T_FAILED failed, $(_elapsed "$T_START")s" \
    "(boot ${T_BOOT_SECS:--}s, teardown ${T_TEARDOWN_SECS:--}s)"
  exit "$rc"
}
# run.sh sources this only for its helpers: no traps, no summary there.
if [[ -z ${HARNESS_LIB_ONLY:-} ]]; then
  trap _harness_exit EXIT
  trap 'diag "interrupted"; exit 130' INT
  trap 'diag "terminated"; exit 143' TERM
fi

#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2001 # bash -c scripts take their arguments as $1..
# check.sh CHECK DIST_DIR SOURCE_DIR — one check of the packages scripts/package
# built into DIST_DIR (tests/packaging/CMakeLists.txt registers each CHECK).
# Fails, naming DIST_DIR, when a package it needs is not there.
set -uo pipefail
check=${1:?usage: check.sh CHECK DIST_DIR SOURCE_DIR}
dist=${2:?usage: check.sh CHECK DIST_DIR SOURCE_DIR}
src=${3:?usage: check.sh CHECK DIST_DIR SOURCE_DIR}

failed=0 count=0
ok() { count=$((count + 1)); echo "ok $count - $*"; }
not_ok() { count=$((count + 1)); failed=$((failed + 1)); echo "not ok $count - $*"; }
check_that() {  # check_that DESC CMD...
  local desc=$1; shift
  if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
die() { echo "not ok - $check: $*"; exit 1; }
finish() {
  ((count > 0)) || die "ran no check"
  echo "# $check: $count checks, $failed failed"
  ((failed == 0))
}

one() {  # one GLOB_DESC FILE...: exactly one file matched
  local what=$1; shift
  if (($# != 1)) || [[ ! -f $1 ]]; then  # on stderr: stdout is the caller's $(...)
    echo "not ok - $check: expected one $what in $dist, found $# ($*): run scripts/package first (or pass -DSELFHEAL_DIST_DIR=DIR)" >&2
    return 1
  fi
  printf '%s\n' "$1"
}
[[ -d $dist ]] || die "no directory $dist: run scripts/package first (or pass -DSELFHEAL_DIST_DIR=DIR)"
shopt -s nullglob
deb() { one .deb "$dist"/self-heal_*_*.deb; }
dsc() { one .dsc "$dist"/self-heal_*.dsc; }
rpm_bin() { one .rpm "$dist"/self-heal-*.x86_64.rpm "$dist"/self-heal-*.aarch64.rpm; }
srpm() { one .src.rpm "$dist"/self-heal-*.src.rpm; }

work=$(mktemp -d "${TMPDIR:-/tmp}/self-heal-pkgcheck.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Known differences between the .deb and the .rpm, and why:
#   deb only: Debian's own documentation and metadata (copyright, changelog,
#             README.Debian, lintian overrides); RPM keeps that in its header.
#   rpm only: the preset that makes %systemd_post enable the socket and the
#             path unit (Debian enables them through deb-systemd-helper).
deb_only=' /usr/share/doc/self-heal/(copyright|changelog\.gz|README\.Debian)$| /usr/share/lintian(/|$)'
rpm_only=' /usr/lib/systemd/system-preset(/|$)'
# Directories compared: the package's own (shared ones like /usr/bin differ in
# who owns them, not in what ends up on disk).
own_dir='self-heal'

deb_list() {  # "TYPE+MODE OWNER/GROUP PATH" per entry of the .deb
  dpkg-deb -c "$1" | awk '{ p = $6; sub(/^\./, "", p); sub(/\/$/, "", p); if (p != "") print $1, $2, p }'
}
rpm_list() {
  rpm -qp --nosignature --qf '[%{FILEMODES:perms} %{FILEUSERNAME}/%{FILEGROUPNAME} %{FILENAMES}\n]' "$1"
}
tree_list() {  # the same for a directory tree (find), files and the package's dirs
  (cd "$1" && find . -mindepth 1 \( -path ./var/lib/rpm -o -path ./var/lib/rpm/\* \) -prune -o -printf '%M %u/%g /%P\n')
}
filter() {  # filter ONLY_REGEX: drop shared dirs and the known differences
  awk -v own="$own_dir" '$1 !~ /^d/ || $3 ~ own' | grep -Ev "$1" | sort -k3
}

case $check in
lintian)
  d=$(deb) || exit 1; s=$(dsc) || exit 1
  out=$(lintian --fail-on error,warning --info --show-overrides "$d" "$s" 2>&1); rc=$?
  out=$(grep -v '^running with root privileges' <<<"$out")
  [[ -n $out ]] && sed 's/^/#   /' <<<"$out"
  check_that "lintian: no errors, no warnings in $(basename "$d") and $(basename "$s")" test "$rc" = 0
  check_that "lintian printed no E: or W: line" bash -c '! grep -qE "^[EW]: " <<<"$1"' _ "$out"
  # Every override says why, in a comment right above it.
  for f in "$src"/packaging/debian/*lintian-overrides "$src"/packaging/debian/source/lintian-overrides; do
    [[ -f $f ]] || continue
    bad=$(awk '/^[[:space:]]*$/ { prev = ""; next } /^#/ { prev = "#"; next }
               { if (prev != "#" && prev != "o") print FILENAME ":" NR ": " $0; prev = "o" }' "$f")
    check_that "every override in ${f#"$src"/} has a comment giving its reason" test -z "$bad"
    [[ -z $bad ]] || sed 's/^/#   /' <<<"$bad"
  done
  ;;
rpmlint)
  r=$(rpm_bin) || exit 1; s=$(srpm) || exit 1
  out=$(rpmlint -r "$src/packaging/rpm/self-heal.rpmlintrc" "$r" "$s" 2>&1); rc=$?
  sed 's/^/#   /' <<<"$out"
  summary=$(grep -E '[0-9]+ errors?, [0-9]+ warnings?' <<<"$out")
  check_that "rpmlint ran and summarised ($summary)" test -n "$summary"
  check_that "rpmlint: no errors" bash -c '[[ $1 =~ (^|[^0-9])0\ errors ]] && ! grep -qE ": E: " <<<"$2"' _ "$summary" "$out"
  check_that "rpmlint exit status is not an error status ($rc)" test "$rc" = 0
  ;;
file-lists)
  d=$(deb) || exit 1; r=$(rpm_bin) || exit 1
  deb_list "$d" | filter "$deb_only" >"$work/deb"
  rpm_list "$r" | filter "$rpm_only" >"$work/rpm"
  check_that "the .deb lists files ($(wc -l <"$work/deb"))" test -s "$work/deb"
  check_that "the .deb and the .rpm ship the same files with the same modes and owners" \
    diff -u --label deb --label rpm "$work/deb" "$work/rpm"
  for want in '-r--r----- root/root /etc/sudoers.d/self-heal' '-rwxr-xr-x root/root /usr/bin/self-heal' \
              '-rwxr-xr-x root/root /usr/lib/self-heal/deliver-escalations' \
              '-rwxr-xr-x root/root /usr/lib/self-heal/handlers/restart-service' \
              '-rw-r--r-- root/root /usr/lib/self-heal/handler-lib.sh' \
              'drwxr-xr-x root/root /etc/self-heal/handlers.d' \
              '-rw-r--r-- root/root /etc/self-heal/self-heal.conf' \
              '-rw-r--r-- root/root /usr/lib/systemd/catalog/self-heal.catalog' \
              '-rw-r--r-- root/root /usr/lib/sysusers.d/self-heal.conf' \
              '-rw-r--r-- root/root /usr/lib/tmpfiles.d/self-heal.conf' \
              '-rw-r--r-- root/root /usr/lib/systemd/system/self-heal.socket'; do
    check_that "both ship: $want" grep -qxF -- "$want" "$work/deb"
  done
  check_that "/etc/self-heal/handlers.d is empty (no handler active)" \
    bash -c '! grep -q " /etc/self-heal/handlers.d/" "$1"' _ "$work/deb"
  check_that "handler examples are under /usr/share/doc/self-heal/examples/" \
    grep -q ' /usr/share/doc/self-heal/examples/handlers.d/.*\.conf\.example$' "$work/deb"
  check_that "the .deb's conffiles are exactly self-heal.conf and sudoers.d/self-heal" \
    bash -c 'dpkg-deb --ctrl-tarfile "$1" | tar -xOf - ./conffiles | sort | paste -sd" " | grep -qx "/etc/self-heal/self-heal.conf /etc/sudoers.d/self-heal"' _ "$d"
  check_that "the .rpm's %config(noreplace) files are exactly the same two" \
    bash -c '[[ $(rpm -qp --nosignature --qf "[%{FILEFLAGS:fflags} %{FILENAMES}\n]" "$1" | awk "NF == 2 && \$1 ~ /c/ && \$1 ~ /n/ {print \$2}" | sort | paste -sd" ") == "/etc/self-heal/self-heal.conf /etc/sudoers.d/self-heal" ]]' _ "$r"
  ;;
rpm-root)
  d=$(deb) || exit 1; r=$(rpm_bin) || exit 1
  mkdir -p "$work/deb root" "$work/rpm root"
  dpkg -x "$d" "$work/deb root" || die "dpkg -x failed"
  rpm --root "$work/rpm root" --dbpath /var/lib/rpm --initdb || die "rpm --initdb failed"
  out=$(rpm --root "$work/rpm root" --dbpath /var/lib/rpm --nodeps --noscripts --nosignature -i "$r" 2>&1) \
    || die "rpm -i into a scratch root failed: $out"
  tree_list "$work/deb root" | filter "$deb_only" >"$work/deb"
  tree_list "$work/rpm root" | filter "$rpm_only" >"$work/rpm"
  check_that "the installed trees list files ($(wc -l <"$work/deb"))" test -s "$work/deb"
  check_that "rpm -i into a scratch root gives the tree of dpkg -x (paths, modes, owners)" \
    diff -u --label 'dpkg -x' --label 'rpm -i' "$work/deb" "$work/rpm"
  # Same contents too, except the compiled programs (two builds).
  sums() { (cd "$1" && find . -type f ! -path './var/lib/rpm/*' -exec sh -c \
    'for f; do case $(head -c4 "$f" | od -An -c | tr -d " ") in 177ELF) ;; *) sha256sum "$f";; esac; done' _ {} +) |
    grep -Ev "$2" | sort -k2; }
  sums "$work/deb root" '\./usr/share/doc/self-heal/(copyright|changelog\.gz|README\.Debian)$|\./usr/share/lintian/' >"$work/deb.sum"
  sums "$work/rpm root" '\./usr/lib/systemd/system-preset/' >"$work/rpm.sum"
  check_that "every file but the programs has the same contents in both" \
    diff -u --label 'dpkg -x' --label 'rpm -i' "$work/deb.sum" "$work/rpm.sum"
  ;;
sudoers)
  d=$(deb) || exit 1; r=$(rpm_bin) || exit 1
  mkdir -p "$work/x"
  dpkg -x "$d" "$work/x" || die "dpkg -x failed"
  f=$work/x/etc/sudoers.d/self-heal
  check_that "the .deb ships /etc/sudoers.d/self-heal" test -f "$f"
  check_that "visudo -cf accepts the shipped sudoers file" visudo -cf "$f"
  check_that "it is 0440 root:root in the .deb" test "$(stat -c '%a %U:%G' "$f")" = "440 root:root"
  check_that "it is 0440 root:root in the .rpm" \
    test "$(rpm -qp --nosignature --qf '[%{FILEMODES:octal} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]' "$r" | awk '$3 == "/etc/sudoers.d/self-heal" {print $1, $2}')" = "100440 root:root"
  active=$(grep -vE '^[[:space:]]*(#|$)' "$f")
  check_that "it grants nothing: no active line but 'Defaults:healer !requiretty' (got: ${active//$'\n'/; })" \
    test "$active" = 'Defaults:healer !requiretty'
  check_that "it carries the commented-out rule examples" grep -qE '^#healer ALL=\(root\) NOPASSWD: /usr/bin/systemctl restart [^ ]+\.service$' "$f"
  check_that "it is the repository's sudoers.d/self-heal" cmp -s "$f" "$src/sudoers.d/self-heal"
  ;;
scripts)
  d=$(deb) || exit 1; r=$(rpm_bin) || exit 1
  mkdir -p "$work/ctl"
  dpkg-deb -e "$d" "$work/ctl" || die "dpkg-deb -e failed"
  post=$(cat "$work/ctl/postinst") prerm=$(cat "$work/ctl/prerm") postrm=$(cat "$work/ctl/postrm")
  has() { grep -qF -- "$2" <<<"$1"; }
  hasnt() { ! grep -qE -- "$2" <<<"$1"; }
  check_that "deb postinst: systemd-sysusers self-heal.conf" has "$post" "systemd-sysusers \${DPKG_ROOT:+--root=\"\$DPKG_ROOT\"} self-heal.conf"
  check_that "deb postinst: the user before the tmpfiles it owns" \
    test "$(grep -n 'systemd-sysusers' <<<"$post" | head -1 | cut -d: -f1)" -lt "$(grep -n 'systemd-tmpfiles' <<<"$post" | head -1 | cut -d: -f1)"
  check_that "deb postinst: systemd-tmpfiles --create self-heal.conf" has "$post" "--create self-heal.conf"
  for u in self-heal.socket self-heal-escalations.path self-heal-escalations.service; do
    check_that "deb postinst: enables $u" has "$post" "deb-systemd-helper enable '$u'"
    check_that "deb postrm: purge disables $u" grep -qE "deb-systemd-helper purge .*'$u'" <<<"$postrm"
  done
  check_that "deb postinst: starts the socket and the path unit, nothing else" \
    has "$post" "deb-systemd-invoke start 'self-heal-escalations.path' 'self-heal.socket' >"
  check_that "deb postinst: try-restarts the services on upgrade only" \
    has "$post" "deb-systemd-invoke try-restart 'self-heal-escalations.service' 'self-heal.service'"
  check_that "deb scripts: never start a .service, never enable self-heal.service" \
    hasnt "$post$prerm$postrm" "(deb-systemd-invoke (start|restart)|systemctl start) .*\.service|(deb-systemd-helper|systemctl) enable .*'?self-heal\.service"
  check_that "deb prerm: stops the transient re-send timer on removal" \
    has "$prerm" "deb-systemd-invoke stop self-heal-escalations.timer"
  check_that "deb prerm: stops the socket and the path unit on removal" \
    has "$prerm" "deb-systemd-invoke stop 'self-heal-escalations.path' 'self-heal.socket'"
  check_that "deb postrm: purge removes the state" has "$postrm" "rm -rf /var/lib/self-heal"
  check_that "no catalog update in the scripts (systemd's dpkg trigger does it)" hasnt "$post" "update-catalog"

  rs=$(rpm -qp --nosignature --scripts "$r")
  sed 's/^/#   /' <<<"$rs"
  section() { awk -v h="$1" 'index($0, h " scriptlet") == 1 { on = 1; next } / scriptlet \(using / { on = 0 } on' <<<"$rs"; }
  rpost=$(section postinstall) rpreun=$(section preuninstall) rpostun=$(section postuninstall)
  check_that "rpm %post: systemd-sysusers self-heal.conf, then tmpfiles" \
    bash -c 'grep -q "^systemd-sysusers self-heal.conf" <<<"$1" && grep -q "^systemd-tmpfiles --create self-heal.conf" <<<"$1"' _ "$rpost"
  check_that "rpm %post (%systemd_post): enables (presets) the socket, the path unit and the deliverer on installation" \
    bash -c 'grep -q "\$1 -eq 1" <<<"$1" && grep -q "install-system-units self-heal.socket self-heal-escalations.path self-heal-escalations.service" <<<"$1"' _ "$rpost"
  check_that "rpm %preun (%systemd_preun): disables and stops them on removal" \
    bash -c 'grep -q "\$1 -eq 0" <<<"$1" && grep -q "remove-system-units self-heal.socket self-heal-escalations.path" <<<"$1"' _ "$rpreun"
  check_that "rpm %postun (%systemd_postun_with_restart): try-restarts the services on upgrade" \
    bash -c 'grep -q "\$1 -ge 1" <<<"$1" && grep -q "mark-restart-system-units self-heal.service self-heal-escalations.service" <<<"$1"' _ "$rpostun"
  check_that "rpm scripts: never enable (preset) self-heal.service" \
    bash -c '! grep -E "install-system-units.* self-heal\.service" <<<"$1"' _ "$rs"
  check_that "rpm preset: enables the socket, the path unit and the deliverer only" \
    bash -c 'rpm2cpio "$1" | (cd "$2" && cpio -id --quiet ./usr/lib/systemd/system-preset/90-self-heal.preset) &&
             [[ $(cat "$2/usr/lib/systemd/system-preset/90-self-heal.preset") == $'"'"'enable self-heal.socket\nenable self-heal-escalations.path\nenable self-heal-escalations.service'"'"' ]]' _ "$r" "$work"
  ;;
*) die "unknown check '$check'" ;;
esac
finish

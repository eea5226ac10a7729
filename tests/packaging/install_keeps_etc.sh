#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2001,SC2015 # bash -c scripts take their arguments as $1..
# install_keeps_etc.sh BUILD_DIR SOURCE_DIR — `cmake --install` never overwrites a
# file under /etc that the operator changed: it installs the shipped one beside it
# as NAME.dist and says so. Into a DESTDIR whose path has a space in it.
set -uo pipefail
build=${1:?usage: install_keeps_etc.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: install_keeps_etc.sh BUILD_DIR SOURCE_DIR}

failed=0 count=0
check_that() {  # check_that DESC CMD...
  local desc=$1; shift
  count=$((count + 1))
  if "$@"; then echo "ok $count - $desc"; else failed=$((failed + 1)); echo "not ok $count - $desc"; fi
}
[[ -x $build/self-heal ]] || { echo "not ok - $build/self-heal is not built"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/self-heal-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage="$work/stage dir"
conf=$stage/etc/self-heal/self-heal.conf
sudoers=$stage/etc/sudoers.d/self-heal
install_once() {  # install_once LOG
  DESTDIR=$stage cmake --install "$build" --prefix /usr >"$1" 2>&1 ||
    { echo "not ok - cmake --install failed:"; sed 's/^/#   /' "$1"; exit 1; }
}

install_once "$work/1.log"
check_that "first install: self-heal.conf is the shipped one" cmp -s "$conf" "$src/examples/self-heal.conf"
check_that "first install: sudoers.d/self-heal is the shipped one, 0440" \
  bash -c 'cmp -s "$1" "$2" && [[ $(stat -c %a "$1") == 440 ]]' _ "$sudoers" "$src/sudoers.d/self-heal"

install_once "$work/2.log"
check_that "unchanged files: a second install writes no .dist" \
  bash -c '[[ ! -e $1.dist && ! -e $2.dist ]]' _ "$conf" "$sudoers"
check_that "unchanged files: no message about keeping them" bash -c '! grep -q "kept your" "$1"' _ "$work/2.log"

printf '\n# local edit\n[Policy]\nDedupWindowSec=5m\n' >>"$conf"
chmod u+w "$sudoers"; printf '#healer ALL=(root) NOPASSWD: /usr/bin/systemctl restart local-edit.service\n' >>"$sudoers"; chmod 0440 "$sudoers"
cp "$conf" "$work/conf.edited"; cp "$sudoers" "$work/sudoers.edited"

install_once "$work/3.log"
sed 's/^/#   /' "$work/3.log" | grep -i 'kept your\|dist'
check_that "edited self-heal.conf is kept" cmp -s "$conf" "$work/conf.edited"
check_that "edited sudoers.d/self-heal is kept" cmp -s "$sudoers" "$work/sudoers.edited"
check_that "the shipped self-heal.conf is installed as self-heal.conf.dist" cmp -s "$conf.dist" "$src/examples/self-heal.conf"
check_that "the shipped sudoers file is installed as self-heal.dist, 0440 (sudo ignores names with a dot)" \
  bash -c 'cmp -s "$1.dist" "$2" && [[ $(stat -c %a "$1.dist") == 440 ]]' _ "$sudoers" "$src/sudoers.d/self-heal"
check_that "the install says it kept /etc/self-heal/self-heal.conf and wrote the .dist" \
  grep -q 'kept your /etc/self-heal/self-heal.conf .*installed the shipped version as /etc/self-heal/self-heal.conf.dist' "$work/3.log"
check_that "the install says it kept /etc/sudoers.d/self-heal" \
  grep -q 'kept your /etc/sudoers.d/self-heal .*/etc/sudoers.d/self-heal.dist' "$work/3.log"

install_once "$work/4.log"
check_that "installing again still keeps the edit" cmp -s "$conf" "$work/conf.edited"

echo "# install-keeps-etc: $count checks, $failed failed"
((failed == 0))

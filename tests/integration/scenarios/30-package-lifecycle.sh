#!/bin/bash
# shellcheck disable=SC2016 # dpkg-query formats are literal
# The .deb's life on a fresh machine: dpkg -i (socket listening on loopback only,
# nothing running, healer created, no handler active, first webhook answered),
# dpkg -i again over itself (state, edited conffile and socket kept; a stopped
# service stays stopped, a running one is restarted), dpkg -r (nothing runs or
# listens, state and config kept), dpkg -P (state gone, healer kept, as
# packaging/debian/README.Debian says). Prints the time from dpkg -i to the first 200.
# shellcheck source=SCRIPTDIR/../lib/harness.sh
source "$(dirname "$0")/../lib/harness.sh"

container_boot pkg

host_fixture=$(dirname "$0")/../../fixtures/alertmanager/01-single-firing.json
[[ -f $host_fixture ]] || die "fixture missing: $host_fixture"
data=/var/lib/self-heal-test                      # inside the container
mkdir -p "$CT_ROOT$data" || die "cannot create $data in the container"
cp "$host_fixture" "$CT_ROOT$data/first.json" || die "cannot copy the fixture into the container"
# The same alert for another instance (its own fingerprint): not a duplicate.
jq '.alerts[0].labels.instance = "web-2:9100" | .alerts[0].fingerprint = "00000000000000b2"
    | .groupKey += "-2"' "$host_fixture" >"$CT_ROOT$data/second.json" || die "jq failed on the fixture"
instance=$(jq -r '.alerts[0].labels.instance' "$host_fixture")
alertname=$(jq -r '.alerts[0].labels.alertname' "$host_fixture")

post() {  # post FILE_IN_CONTAINER: "HTTP_STATUS DECISIONS"
  local out code
  out=$(in_container curl -sS --max-time 10 -w '\n%{http_code}' -X POST \
    -H 'Content-Type: application/json' --data-binary "@$1" http://127.0.0.1:9095/ 2>&1)
  code=${out##*$'\n'}
  echo "$code $(jq -r '[.decisions[]?.decision] | join(" ")' <<<"${out%$'\n'*}" 2>/dev/null)"
}
listeners() { in_container ss -Hltnp 'sport = :9095'; }
self_heal_pids() {
  in_container pgrep -f '^(/usr/bin/self-heal|/usr/lib/self-heal/deliver-escalations)( |$)' | paste -sd' '
}
active_units() {
  in_container systemctl list-units --no-legend --plain --state=active,activating,deactivating \
    'self-heal*' | awk '{print $1}' | paste -sd' '
}
is_active() { in_container systemctl is-active "$1"; }
no_listener() { [[ -z $(listeners) ]]; }
nothing_runs() { [[ -z $(self_heal_pids) ]]; }

# --- install ------------------------------------------------------------------------
t0=$EPOCHREALTIME
container_install ""
t_dpkg=$(_elapsed "$t0")
first=''
for _ in $(seq 1 100); do
  first=$(post "$data/first.json")
  [[ $first == 200* ]] && break
  sleep 0.1
done
t_first=$(_elapsed "$t0")
diag "dpkg -i: ${t_dpkg}s; dpkg -i start -> first 200: ${t_first}s"
assert_eq "200 no-handler" "$first" "the first webhook after dpkg -i is answered 200 (no handler is active)"

# What dpkg -i left, checked before the POST above could change anything? The POST
# starts self-heal.service; everything else must be as installed.
assert_eq "install ok installed" "$(in_container dpkg-query -W -f '${Status}' self-heal)" "dpkg: installed"
ls_out=$(listeners)
assert_eq 1 "$(grep -c . <<<"$ls_out")" "one listener on port 9095"
assert_contains "$ls_out" "127.0.0.1:9095 " "it is 127.0.0.1:9095"
assert_contains "$ls_out" '("systemd",pid=1,' "systemd (PID 1) holds it: socket activation"
assert_eq "enabled enabled static" \
  "$(in_container systemctl is-enabled self-heal.socket self-heal-escalations.path self-heal.service | paste -sd' ')" \
  "postinst enabled the socket and the path unit, not the service"
assert_eq "active" "$(is_active self-heal-escalations.path)" "self-heal-escalations.path is active"
assert_eq "inactive" "$(is_active self-heal-escalations.service)" "no deliverer runs"
assert_contains "$(in_container getent passwd healer)" ":/usr/sbin/nologin" "user healer exists"
assert_eq "" "$(in_container ls -A /etc/self-heal/handlers.d)" "/etc/self-heal/handlers.d is empty"
assert_eq "700 healer healer" "$(in_container stat -c '%a %U %G' /var/backups/self-heal)" \
  "/var/backups/self-heal created for healer (tmpfiles, after sysusers)"
assert_eq "440 root root" "$(in_container stat -c '%a %U %G' /etc/sudoers.d/self-heal)" "sudoers file 0440 root:root"
assert_ok in_container visudo -cf /etc/sudoers.d/self-heal
assert_contains "$(in_container journalctl --list-catalog 2>&1)" "9eef697a9a5749b9aab70f8d1784edfe" \
  "the journal catalog knows self-heal's messages (systemd's dpkg trigger)"

# Now: no self-heal process before any connection. Stop the one the POST started
# and check that the socket alone is left.
assert_ok in_container systemctl stop self-heal.service
assert_that "no self-heal process runs once the service is stopped" wait_until 10 nothing_runs
assert_contains "$(listeners)" "127.0.0.1:9095 " "the socket still listens"

# --- state and a local edit ---------------------------------------------------------
install -m 0644 /dev/stdin "$CT_ROOT/etc/self-heal/handlers.d/disk.conf" <<EOF
[Match]
AlertName=$alertname
Instance=$instance web-2:9100
[Run]
Exec=/bin/true
TimeoutSec=10
Mode=dry-run
EOF
assert_ok in_container self-heal check
assert_eq "200 dry-run" "$(post "$data/first.json")" "with a dry-run handler: 200 dry-run"
assert_ok in_container self-heal pause --for 2h
printf '\n# edited locally by 30-package-lifecycle\n' >>"$CT_ROOT/etc/self-heal/self-heal.conf"
conf_sum=$(in_container sha256sum /etc/self-heal/self-heal.conf)
assert_ok in_container self-heal check
assert_ok in_container systemctl stop self-heal.service
wait_until 10 nothing_runs

# --- dpkg -i over itself, service stopped --------------------------------------------
out=$(in_container env DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold "$CT_DEB" </dev/null 2>&1)
assert_eq 0 "$?" "dpkg -i over the installed package succeeds"
assert_not_contains "$out" "Configuration file" "dpkg asked nothing about the conffile"
assert_eq "$conf_sum" "$(in_container sha256sum /etc/self-heal/self-heal.conf)" "the edited self-heal.conf is kept"
assert_ok in_container test ! -e /etc/self-heal/self-heal.conf.dpkg-new
assert_contains "$(listeners)" "127.0.0.1:9095 " "the socket still listens after the upgrade"
assert_eq "inactive inactive" \
  "$(is_active self-heal.service) $(is_active self-heal-escalations.service)" \
  "no service runs that did not run before"
assert_eq "" "$(self_heal_pids)" "no self-heal process was started by the upgrade"
assert_eq "200 paused" "$(post "$data/second.json")" "state kept: still paused after the upgrade"
assert_ok in_container test -f /etc/self-heal/handlers.d/disk.conf

# --- dpkg -i over itself, service running --------------------------------------------
assert_eq active "$(is_active self-heal.service)" "the POST started self-heal.service"
pid_before=$(in_container systemctl show -p MainPID --value self-heal.service)
out=$(in_container env DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold "$CT_DEB" </dev/null 2>&1)
assert_eq 0 "$?" "dpkg -i over the installed package, service running, succeeds"
pid_after=$(in_container systemctl show -p MainPID --value self-heal.service)
assert_eq active "$(is_active self-heal.service)" "a running service runs after the upgrade"
assert_that "it was restarted (MainPID $pid_before -> $pid_after)" \
  test -n "$pid_after" -a "$pid_after" != 0 -a "$pid_after" != "$pid_before"
assert_eq inactive "$(is_active self-heal-escalations.service)" "the deliverer was not started"
assert_eq "$conf_sum" "$(in_container sha256sum /etc/self-heal/self-heal.conf)" "the edited self-heal.conf is still kept"

# --- dpkg -r ------------------------------------------------------------------------
out=$(in_container env DEBIAN_FRONTEND=noninteractive dpkg -r self-heal </dev/null 2>&1)
assert_eq 0 "$?" "dpkg -r self-heal succeeds"
assert_eq "deinstall ok config-files" "$(in_container dpkg-query -W -f '${Status}' self-heal)" "dpkg: config-files"
assert_that "nothing runs after dpkg -r" wait_until 10 nothing_runs
assert_eq "" "$(active_units)" "no self-heal unit is active"
assert_that "nothing listens on 9095" no_listener
assert_ok in_container test -f /var/lib/self-heal/state.db
assert_eq "$conf_sum" "$(in_container sha256sum /etc/self-heal/self-heal.conf)" "configuration kept on remove"
assert_ok in_container test ! -e /usr/bin/self-heal

# --- dpkg -P ------------------------------------------------------------------------
out=$(in_container env DEBIAN_FRONTEND=noninteractive dpkg -P self-heal </dev/null 2>&1)
assert_eq 0 "$?" "dpkg -P self-heal succeeds"
[[ -n $out ]] && diag "dpkg -P: ${out//$'\n'/ | }"
assert_eq "" "$(in_container dpkg-query -W -f '${Status}' self-heal 2>/dev/null)" "dpkg: not installed any more"
assert_eq "" "$(self_heal_pids)" "nothing runs after dpkg -P"
assert_eq "" "$(active_units)" "no self-heal unit is active after dpkg -P"
assert_that "nothing listens on 9095 after dpkg -P" no_listener
for gone in /var/lib/self-heal /var/backups/self-heal /etc/self-heal/self-heal.conf /etc/sudoers.d/self-heal \
            /etc/systemd/system/sockets.target.wants/self-heal.socket \
            /etc/systemd/system/paths.target.wants/self-heal-escalations.path; do
  assert_ok in_container test ! -e "$gone"
done
# Handler configs are the operator's, not the package's: purge leaves them.
assert_ok in_container test -f /etc/self-heal/handlers.d/disk.conf
assert_contains "$(in_container getent passwd healer)" "healer:" "user healer is kept on purge (Debian policy 9.2.2)"

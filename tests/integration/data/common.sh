# shellcheck shell=bash
# common.sh — helpers shared by scenarios 10-14, sourced after lib/harness.sh and
# after container_boot. The container sees the host root read-only, but a tree on
# another mount would not show through the overlay, so the data and fixtures are
# copied into the container's own layer at /srv/self-heal-it (it_stage).
#
#   it_stage                          copy data/ and the Alertmanager fixtures in
#   it_write PATH [MODE] <<<TEXT      write a file inside the container (stdin)
#   it_post FILE [CURL_ARG...]        POST FILE (container path) to 127.0.0.1:9095/;
#                                     prints "STATUS BODY" (STATUS 000: no answer)
#   it_prop UNIT PROP                 systemctl show -P PROP UNIT
#   it_journal [JOURNALCTL_ARG...]    journalctl -o json --no-pager of this boot
#   it_fields [--where N=V]... F...   data/jfields.py: JSON lines -> TSV (stdin)
#   it_self_heal_pids                 PIDs of self-heal processes in the container

IT_DATA_HOST=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_FIXTURES_HOST=$(cd "$IT_DATA_HOST/../../fixtures/alertmanager" && pwd)
CT_IT=/srv/self-heal-it           # inside the container
CT_DATA=$CT_IT/data
CT_FIXTURES=$CT_IT/fixtures

it_stage() {
  [[ -f $IT_FIXTURES_HOST/01-single-firing.json ]] \
    || die "Alertmanager fixture missing: $IT_FIXTURES_HOST/01-single-firing.json"
  mkdir -p "$CT_ROOT$CT_IT" || die "cannot create $CT_ROOT$CT_IT"
  if ! cp -r "$IT_DATA_HOST" "$CT_ROOT$CT_DATA" || ! cp -r "$IT_FIXTURES_HOST" "$CT_ROOT$CT_FIXTURES"; then
    die "cannot copy test data into the container"
  fi
}

it_write() {  # it_write PATH [MODE], content on stdin; through the container's root
  local path=$1 mode=${2:-0644}
  mkdir -p "$(dirname "$CT_ROOT$path")" && cat >"$CT_ROOT$path" && chmod "$mode" "$CT_ROOT$path"
}

it_post() {  # it_post FILE [CURL_ARG...]
  local file=$1 out; shift
  out=$(in_container curl -sS --max-time 10 -w ' %{http_code}' \
    -H 'Content-Type: application/json' --data-binary "@$file" "$@" http://127.0.0.1:9095/ 2>&1)
  printf '%s %s' "${out##* }" "${out% *}"
}

it_prop() { in_container systemctl show -P "$2" "$1"; }

it_journal() { in_container journalctl -b -o json --no-pager "$@"; }

it_fields() { in_container python3 "$CT_DATA/jfields.py" "$@"; }

it_self_heal_pids() { in_container pgrep -x self-heal | tr '\n' ' ' | sed 's/ $//'; }

#!/usr/bin/env bash
# examples_check.sh SOURCE_DIR SELF_HEAL_BINARY — every configuration the project
# shows a user passes `self-heal check`: each handler block of README.md (a ```ini
# block whose first line names /etc/self-heal/handlers.d/NAME.conf), the indented
# example of examples/handlers.d/README, every shipped *.conf.example, the global
# examples/self-heal.conf. (The demo's configuration is written by
# tests/integration/data/chain.sh and checked there.) Prints one line per check.
set -uo pipefail
src=${1:?usage: examples_check.sh SOURCE_DIR SELF_HEAL_BINARY}
bin=${2:?usage: examples_check.sh SOURCE_DIR SELF_HEAL_BINARY}
[[ -x $bin ]] || { echo "not ok - $bin is not an executable"; exit 1; }
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

# check NAME: runs `self-heal check` on $work/NAME (a config dir already filled).
check() {
  local out
  if out=$("$(dirname "$0")/../check_examples_here.sh" "$bin" "$work/$1"); then
    passed=$((passed + 1)); echo "ok - $1"
  else
    failed=$((failed + 1)); echo "not ok - $1"; printf '#   %s\n' "${out//$'\n'/$'\n'#   }"
  fi
}
# fresh NAME: an empty config dir $work/NAME with handlers.d/.
fresh() { mkdir -p "$work/$1/handlers.d"; }

# README.md handler blocks.
n=0
while IFS= read -r -d '' block; do
  name=$(sed -n '1s|^# /etc/self-heal/handlers.d/\([A-Za-z0-9_-]*\)\.conf$|\1|p' <<<"$block")
  [[ -n $name ]] || continue
  n=$((n + 1))
  fresh "readme-$n"
  printf '%s\n' "$block" >"$work/readme-$n/handlers.d/$name.conf"
  check "readme-$n"
done < <(awk '/^```ini$/ {inblock=1; text=""; next}
              /^```$/ && inblock {inblock=0; printf "%s%c", text, 0; next}
              inblock {text = text $0 "\n"}' "$src/README.md")
((n > 0)) || { failed=$((failed + 1)); echo "not ok - README.md has no handler example (\`\`\`ini block)"; }

# The indented example in examples/handlers.d/README.
fresh readme-handlers.d
awk '/^A minimal handler:/ {on=1; next} on && /^    / {sub(/^    /, ""); print; next}
     on && /^[^ ]/ && seen {exit} on && /^    / {seen=1}' "$src/examples/handlers.d/README" \
  >"$work/readme-handlers.d/handlers.d/minimal.conf"
grep -q '^AlertName=' "$work/readme-handlers.d/handlers.d/minimal.conf" \
  || { failed=$((failed + 1)); echo "not ok - examples/handlers.d/README lost its minimal handler"; }
check readme-handlers.d

# Every shipped handler example, alone, as an operator would copy it.
while IFS= read -r -d '' example; do
  rel=${example#"$src"/}
  name=$(basename "$example" .conf.example)
  dir=example-${rel//\//_}
  fresh "$dir"
  cp "$example" "$work/$dir/handlers.d/$name.conf"
  check "$dir"
done < <(find "$src/handlers.d" "$src/examples" -name '*.conf.example' -print0 | sort -z)

# The shipped global configuration, with no handler.
fresh global
cp "$src/examples/self-heal.conf" "$work/global/self-heal.conf"
check global

echo "$passed passed, $failed failed"
((failed == 0))

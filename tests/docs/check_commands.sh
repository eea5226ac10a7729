#!/usr/bin/env bash
# check_commands.sh SELF_HEAL PAGE SOURCE_DIR — self-heal(8) documents every command
# and every option the program has, and none it does not have.
#
# The lists come from the program, not from a copy: the commands and the options that
# `SELF_HEAL --help` prints, plus the option literals of src/cli/args.cpp (the parser)
# and src/main.cpp (--help, -h, --version). A command is documented by a tagged
# paragraph (".TP", then the tag line) under .SH COMMANDS whose first word is the
# command, and by a "self-heal COMMAND" line in the SYNOPSIS; an option by a tag under
# .SH OPTIONS that holds it as a word ("--json", "--for DURATION", "--help, -h").
set -uo pipefail
bin=${1:?usage: check_commands.sh SELF_HEAL PAGE SOURCE_DIR}
page=${2:?usage: check_commands.sh SELF_HEAL PAGE SOURCE_DIR}
src=${3:?usage: check_commands.sh SELF_HEAL PAGE SOURCE_DIR}
export LC_ALL=C

help=$("$bin" --help) || { echo "FAIL: '$bin --help' exited $?"; exit 1; }
mapfile -t commands < <(printf '%s\n' "$help" |
  awk '/^commands:/ {on = 1; next} on && /^$/ {on = 0} on && /^  [a-z]/ {print $1}')
mapfile -t options < <({
  printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z-]*'
  cat "$src/src/cli/args.cpp" "$src/src/main.cpp" | grep -oE -- '"-{1,2}[a-z][a-z-]*"' | tr -d '"'
} | sort -u)
if ((${#commands[@]} < 8 || ${#options[@]} < 6)); then
  echo "FAIL: found only ${#commands[@]} commands and ${#options[@]} options; has the --help format changed?"
  printf '%s\n' "$help"
  exit 1
fi

# The page as "HEADING<TAB>KIND<TAB>TEXT" lines: KIND is "tag" for the line after .TP,
# "line" for any other text or macro line; TEXT is plain text (font escapes, \& and
# quotes removed, \- and \e made plain, the macro name dropped).
parsed=$(awk '
  function plain(s) {
    gsub(/\\f[BIRP]/, "", s); gsub(/\\f\(../, "", s); gsub(/\\&/, "", s)
    gsub(/\\-/, "-", s); gsub(/\\e/, "\\", s); gsub(/"/, "", s)
    return s
  }
  /^\.\\"/ { next }
  /^\.SH/ { sub(/^\.SH[ \t]*/, ""); heading = plain($0); tag = 0; next }
  /^\.TP/ { tag = 1; next }
  {
    line = $0
    if (line ~ /^\.[A-Za-z]+/) {
      macro = line; sub(/[ \t].*/, "", macro); sub(/^\.[A-Za-z]+[ \t]*/, "", line)
      # The alternating-font macros join their arguments without spaces.
      if (macro ~ /^\.(BI|BR|IB|IR|RB|RI)$/) { line = plain(line); gsub(/ /, "", line) }
    }
    print heading "\t" (tag ? "tag" : "line") "\t" plain(line)
    tag = 0
  }' "$page")

tags_of() { printf '%s\n' "$parsed" | awk -F'\t' -v h="$1" '$1 == h && $2 == "tag" {print $3}'; }
mapfile -t command_tags < <(tags_of COMMANDS)
mapfile -t option_tags < <(tags_of OPTIONS)
synopsis=$(printf '%s\n' "$parsed" | awk -F'\t' '$1 == "SYNOPSIS" {print $3}')
# Words of the option tags: split on blanks, ',', '=', '[' and ']'.
option_words=$(printf '%s\n' "${option_tags[@]}" | tr -s ' ,=[]' '\n' | grep -E '^-' | sort -u)

failed=0
fail() { echo "FAIL: $*"; failed=1; }
for c in "${commands[@]}"; do
  found=0
  for t in "${command_tags[@]}"; do [[ ${t%% *} == "$c" ]] && found=1; done
  ((found)) || fail "command '$c' (from --help) has no .TP entry under .SH COMMANDS in $page"
  grep -qE "(^| )self-heal $c( |$)" <<<"$synopsis" ||
    fail "command '$c' (from --help) is not in the SYNOPSIS of $page"
done
for t in "${command_tags[@]}"; do
  printf '%s\n' "${commands[@]}" | grep -qxF -- "${t%% *}" ||
    fail "$page documents a command '${t%% *}' under COMMANDS that --help does not list"
done
for o in "${options[@]}"; do
  grep -qxF -- "$o" <<<"$option_words" ||
    fail "option '$o' has no .TP entry under .SH OPTIONS in $page"
done
while read -r w; do
  [[ -z $w ]] && continue
  printf '%s\n' "${options[@]}" | grep -qxF -- "$w" ||
    fail "$page documents an option '$w' under OPTIONS that the program does not have"
done <<<"$option_words"

if ((failed == 0)); then
  echo "ok - $page documents the ${#commands[@]} commands (${commands[*]})"
  echo "ok - $page documents the ${#options[@]} options (${options[*]})"
fi
exit "$failed"

#!/usr/bin/env bash
# standalone.sh SOURCE_DIR — the repository stands alone: no file in it may reach for
# the sibling folder the project was developed beside, or for an absolute path of a
# build machine. A user's clean clone, in any directory, has neither.
# Checks tracked files (git ls-files) when SOURCE_DIR is a checkout, else every file.
set -uo pipefail
src=${1:?usage: standalone.sh SOURCE_DIR}
cd "$src" || exit 2
# The patterns are assembled so that this file does not match itself.
up='\.\./'"shared"
machine='/'"work/"'|/home/[a-z]'
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -d '' files < <(git ls-files -z --cached --others --exclude-standard)
else
  mapfile -d '' files < <(find . -path ./.git -prune -o -path './build*' -prune -o -path ./dist -prune -o -type f -print0)
fi
((${#files[@]})) || { echo "standalone.sh: no files under $src" >&2; exit 1; }
hits=$(printf '%s\0' "${files[@]}" | xargs -0 grep -HInE "$up|$machine" -- 2>/dev/null \
  | grep -v '^tests/repo/standalone.sh:' || true)
if [[ -n $hits ]]; then
  echo "These files reach outside the repository (the sibling 'shared' folder or a machine path);"
  echo "copy what they need into the repo and name it relative to the repo:"
  echo "$hits"
  exit 1
fi
echo "ok - ${#files[@]} files, none reaches outside the repository"

#!/usr/bin/env bash
# check_references.sh SOURCE_DIR — every reference to one of self-heal's own man pages
# resolves to a page in man/: the "Documentation: man:NAME(SECTION)" lines of the
# journal catalog and the ".BR NAME (SECTION)" cross-references between the pages.
set -uo pipefail
src=${1:?usage: check_references.sh SOURCE_DIR}
cd "$src" || exit 1
export LC_ALL=C
failed=0
refs=$({
  grep -HnoE 'man:self-heal[a-z.-]*\([0-9]\)' src/journal/self-heal.catalog | sed -E 's/man://'
  grep -HnoE '^\.BR self\\-heal[a-z.\\-]* \([0-9]\)' man/* | sed -E 's/\.BR //; s/\\-/-/g; s/ //'
})
[[ -n $refs ]] || { echo "FAIL: no references found; has the catalog or man/ moved?"; exit 1; }
while IFS= read -r ref; do
  where=${ref%:*}
  name=${ref##*:}
  page=${name%%(*}
  section=${name#*(}
  section=${section%)}
  if [[ ! -f man/$page.$section ]]; then
    echo "FAIL: $where refers to $name, but there is no man/$page.$section"
    failed=1
  fi
done <<<"$refs"
((failed)) || echo "ok - $(wc -l <<<"$refs") references to self-heal's pages resolve"
exit "$failed"

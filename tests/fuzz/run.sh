#!/bin/sh
# usage: tests/fuzz/run.sh [DURATION_SECONDS [TARGET...]]   (default 60, every target)
#
# Configures a clang tree in build-fuzz (libFuzzer + ASan + UBSan), builds the fuzz
# targets (tests/fuzz/fuzz_*.cpp) and runs each for DURATION seconds, one after the
# other, seeded with tests/fuzz/corpus/TARGET (fuzz_webhook also with the captured
# Alertmanager bodies) and, if there is one, the dictionary tests/fuzz/NAME.dict.
# New inputs are kept in build-fuzz/corpus/TARGET (so later runs resume from them),
# crashes land in build-fuzz/artifacts/. Exits non-zero if any target found one.
# Environment: BUILD_DIR, JOBS (build parallelism, default 2).
set -eu

duration=${1:-60}
case $duration in
  '' | *[!0-9]*) echo "usage: $0 [DURATION_SECONDS [TARGET...]]" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && shift

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$root/build-fuzz}
fixtures=$root/tests/fixtures/alertmanager

if [ $# -eq 0 ]; then
  set -- fuzz_webhook fuzz_http_request fuzz_config_values fuzz_config_files \
    fuzz_record_result fuzz_alertmanager_answer
fi

cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DSELFHEAL_FUZZ=ON \
  -DSELFHEAL_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target "$@"
mkdir -p "$build/artifacts"

failed=
for target in "$@"; do
  seeds=$build/seeds/$target
  rm -rf "$seeds"
  mkdir -p "$seeds" "$build/corpus/$target"
  [ ! -d "$here/corpus/$target" ] || cp "$here/corpus/$target"/* "$seeds"/
  # Only the .json request bodies are seeds; the .http captures include the HTTP layer.
  [ "$target" != fuzz_webhook ] || cp "$fixtures"/*.json "$seeds"/
  dict=
  [ ! -f "$here/${target#fuzz_}.dict" ] || dict=-dict=$here/${target#fuzz_}.dict
  echo "== $target ($duration s)"
  # ${dict:+"$dict"}: one word (the path may hold spaces) or none at all.
  if ! "$build/tests/fuzz/$target" \
    -max_total_time="$duration" \
    ${dict:+"$dict"} \
    -max_len=16384 \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$target-" \
    "$build/corpus/$target" "$seeds" 2>"$build/$target.log"; then
    failed="$failed $target"
    tail -n 60 "$build/$target.log" >&2
  fi
  grep -E '^(#[0-9]+[[:space:]]+DONE|Done|stat::number_of_executed_units|stat::new_units_added)' \
    "$build/$target.log" || true
done
if [ -n "$failed" ]; then
  echo "fuzz: crashes or invariant violations in:$failed (inputs in $build/artifacts/)" >&2
  exit 1
fi

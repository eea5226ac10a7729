#!/bin/sh
# usage: tests/fuzz/run.sh [DURATION_SECONDS]   (default 60)
#
# Configures a clang tree in build-fuzz (libFuzzer + ASan + UBSan), builds the webhook
# fuzzer and runs it for DURATION seconds, seeded with the captured Alertmanager
# bodies. New inputs are kept in build-fuzz/corpus/webhook (so later runs resume from
# them), crashes land in build-fuzz/artifacts/. Exits non-zero if the fuzzer found one.
# Environment: BUILD_DIR, FIXTURES_DIR, JOBS (build parallelism, default 2).
set -eu

duration=${1:-60}
case $duration in
  '' | *[!0-9]*) echo "usage: $0 [DURATION_SECONDS]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$root/build-fuzz}
fixtures=$root/tests/fixtures/alertmanager

cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DSELFHEAL_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j"${JOBS:-2}" --target fuzz_webhook

# Only the .json request bodies are seeds; the .http captures include the HTTP layer.
seeds=$build/seeds/webhook
rm -rf "$seeds"
mkdir -p "$seeds" "$build/corpus/webhook" "$build/artifacts"
cp "$fixtures"/*.json "$seeds"/

exec "$build/tests/fuzz/fuzz_webhook" \
  -max_total_time="$duration" \
  -dict="$here/webhook.dict" \
  -max_len=16384 \
  -timeout=10 \
  -rss_limit_mb=2048 \
  -print_final_stats=1 \
  -artifact_prefix="$build/artifacts/" \
  "$build/corpus/webhook" "$seeds"

#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time (ctest label fuzz, tests/fuzz/CMakeLists.txt):
#   run_fuzzer.sh BINARY CORPUS_DIR ARTIFACT_DIR SECONDS
# The seed corpus is copied to a temporary folder, so the checked-in one never changes. Any
# crash, sanitizer report, leak, timeout (-timeout, per input) or out-of-memory (-rss_limit_mb)
# fails the test and leaves the input in ARTIFACT_DIR. -max_len bounds generated inputs at 64 KB.
set -euo pipefail
binary=$1 corpus=$2 artifacts=$3 seconds=$4

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$corpus/." "$work/"
mkdir -p "$artifacts"
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$binary" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$work"

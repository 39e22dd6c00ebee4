#!/usr/bin/env bash
# The test command: hack/test.sh [unit|integration|e2e|registry|sanitize|fuzz|tsan|lint ...]
# Runs the named tiers (all when none is named), installing and building what is missing, and
# starting/stopping the local control plane itself (a ctest fixture). Ends with ctest's summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$PATH:/usr/local/go/bin"

all_tiers=(unit integration e2e registry sanitize fuzz tsan lint)
tiers=("$@")
((${#tiers[@]})) || tiers=("${all_tiers[@]}")
for t in "${tiers[@]}"; do
  [[ " ${all_tiers[*]} " == *" $t "* ]] || { echo "unknown tier '$t' (known: ${all_tiers[*]})" >&2; exit 2; }
done
wants() { [[ " ${tiers[*]} " == *" $1 "* ]]; }

hack/install-deps.sh
if wants integration || wants e2e; then
  hack/build-upstream.sh
fi

jobs=${JOBS:-$(nproc)}
status=0

if wants sanitize; then
  # Unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DREGISTRY_OPERATOR_SANITIZE=ON >/dev/null
  cmake --build build-asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan -L '^unit$' -j "$jobs" --output-on-failure \
    || status=1
fi

if wants fuzz; then
  # The libFuzzer targets of tests/fuzz, built with clang under ASan + UBSan in a directory of
  # their own (only the layers they link), each run for FUZZ_SECONDS from a copy of its corpus.
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" -DREGISTRY_OPERATOR_FUZZ=ON \
    -DREGISTRY_OPERATOR_FUZZ_SECONDS="${FUZZ_SECONDS:-20}" >/dev/null
  cmake --build build-fuzz -j "$jobs" --target fuzz_targets
  ctest --test-dir build-fuzz -L '^fuzz$' -j "$jobs" --output-on-failure || status=1
fi

if wants tsan; then
  # The unit tests of the threaded layers (kube, runtime) under ThreadSanitizer; only their two
  # executables are built. tests/tsan/suppressions.txt lists library-internal false positives.
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" -DREGISTRY_OPERATOR_TSAN=ON >/dev/null
  cmake --build build-tsan -j "$jobs" --target kube_unit_tests runtime_unit_tests
  TSAN_OPTIONS="suppressions=$root/tests/tsan/suppressions.txt second_deadlock_stack=1" \
    ctest --test-dir build-tsan -L '^unit$' -R '^(kube|runtime):' -j "$jobs" --output-on-failure \
    || status=1
fi

main_tiers=()
for t in "${tiers[@]}"; do
  [[ $t == sanitize || $t == fuzz || $t == tsan ]] || main_tiers+=("$t")
done
if ((${#main_tiers[@]})); then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j "$jobs"
  labels=$(IFS='|'; echo "${main_tiers[*]}")
  ctest --test-dir build -L "^($labels)\$" --output-on-failure --timeout 900 || status=1
fi
exit $status

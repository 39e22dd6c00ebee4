#!/usr/bin/env bash
# The test command: hack/test.sh [unit|integration|e2e|faults|registry|lint|sanitize|fuzz|tsan ...]
# Runs the named tiers (all when none is named), installing and building what is missing, and
# starting/stopping the local control plane itself (a ctest fixture). Ends with ctest's summary.
#
# The tiers with builds of their own (sanitize: the unit tests under ASan + UBSan, and fuzz: the
# libFuzzer targets, both from one instrumented clang build in build-fuzz/; tsan: the kube and
# runtime unit tests under ThreadSanitizer, g++, build-tsan/) are built and run in the background,
# at the lowest priority, while the cluster tiers mostly wait on the cluster; their output follows
# the main run's, and the main run's summary closes the output.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$PATH:/usr/local/go/bin"

all_tiers=(unit integration e2e faults registry lint sanitize fuzz tsan)
tiers=("$@")
((${#tiers[@]})) || tiers=("${all_tiers[@]}")
for t in "${tiers[@]}"; do
  [[ " ${all_tiers[*]} " == *" $t "* ]] || { echo "unknown tier '$t' (known: ${all_tiers[*]})" >&2; exit 2; }
done
wants() { [[ " ${tiers[*]} " == *" $1 "* ]]; }

hack/install-deps.sh
if wants integration || wants e2e || wants faults; then
  hack/build-upstream.sh # everything: the cluster's tools, helm and the bundle validator
elif wants lint; then
  # The lint tier renders the Helm chart (hack/lint.sh helm-chart, hack/generate-manifests.sh) and
  # validates the OLM bundle (tests/olm/bundle_validators.sh).
  hack/build-upstream.sh helm bundle-validate
fi

jobs=${JOBS:-$(nproc)}
status=0

# The sanitize and fuzz tiers share one build directory, build-fuzz/: clang-14 at -O1 with ASan +
# UBSan and libFuzzer's coverage instrumentation on every file, so the libraries are compiled once
# for both tiers: 19.9 CPU-minutes for both tiers' targets, where g++'s -O0 ASan build of the unit
# tests (about 20, estimated) and the fuzz targets' own clang build (9.0) took about 29 (README,
# "How long things take"). Each tier builds only its targets there: run alone it builds what it
# needs, run together nothing twice.
configure_instrumented() {
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" -DREGISTRY_OPERATOR_FUZZ=ON \
    -DREGISTRY_OPERATOR_FUZZ_SECONDS="${FUZZ_SECONDS:-20}" >/dev/null
}

# side_tier TIER: configures, builds and runs one tier with a build directory of its own.
side_tier() {
  case $1 in
  sanitize)
    # The unit tests under clang's ASan + UBSan. g++'s ASan (REGISTRY_OPERATOR_SANITIZE, the -O0
    # build-asan/ this tier used to build) no longer runs. A small loss: the sanitizer runtimes
    # come from one source (GCC imports LLVM's compiler-rt) and both compilers use the same
    # libstdc++, but the code checked is no longer what g++ (which builds the shipped binary)
    # makes of ours, and at -O1 an out-of-bounds read whose value is never used may be optimized
    # away before ASan instruments it. The tsan tier stays on g++.
    configure_instrumented
    cmake --build build-fuzz -j "$jobs" --target unit_tests
    # tests/asan/lsan_suppressions.txt lists leaks inside libraries we do not build, each with its reason.
    ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$root/tests/asan/lsan_suppressions.txt" \
      ctest --test-dir build-fuzz -L '^unit$' -j "$jobs" --output-on-failure
    ;;
  fuzz)
    # Only the layers the targets link; each target runs FUZZ_SECONDS from a copy of its corpus.
    configure_instrumented
    cmake --build build-fuzz -j "$jobs" --target fuzz_targets
    ctest --test-dir build-fuzz -L '^fuzz$' -j "$jobs" --output-on-failure
    ;;
  tsan)
    # tests/tsan/suppressions.txt lists library-internal false positives, each with its reason.
    cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" -DREGISTRY_OPERATOR_TSAN=ON >/dev/null
    cmake --build build-tsan -j "$jobs" --target kube_unit_tests runtime_unit_tests
    TSAN_OPTIONS="suppressions=$root/tests/tsan/suppressions.txt second_deadlock_stack=1" \
      ctest --test-dir build-tsan -L '^unit$' -R '^(kube|runtime):' -j "$jobs" --output-on-failure
    ;;
  esac
}

main_tiers=() side_tiers=()
for t in "${tiers[@]}"; do
  case $t in
  sanitize | fuzz | tsan) side_tiers+=("$t") ;;
  *) main_tiers+=("$t") ;;
  esac
done

if ((${#main_tiers[@]})); then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j "$jobs"
fi

side_log=$(mktemp /tmp/registry-operator-side-tiers.XXXXXX)
side_pid=""
if ((${#side_tiers[@]})); then
  set -m # the side tiers get a process group of their own, to renice and to stop as one
  (
    side_status=0
    for t in "${side_tiers[@]}"; do
      echo "==== side tier: $t"
      if side_tier "$t"; then echo "==== side tier $t: passed"; else echo "==== side tier $t: FAILED"; side_status=1; fi
    done
    exit $side_status
  ) >"$side_log" 2>&1 &
  side_pid=$!
  set +m
  renice -n 19 -g "$side_pid" >/dev/null
fi
main_log=$(mktemp /tmp/registry-operator-main-tiers.XXXXXX)
# The side tiers stop with this script, whatever ends it.
trap '[[ -n $side_pid ]] && kill -- -"$side_pid" 2>/dev/null; rm -f "$side_log" "$main_log"' EXIT

if ((${#main_tiers[@]})); then
  labels=$(IFS='|'; echo "${main_tiers[*]}")
  ctest --test-dir build -L "^($labels)\$" --output-on-failure --timeout 900 | tee "$main_log"
  ((PIPESTATUS[0] == 0)) || status=1
fi

if [[ -n $side_pid ]]; then
  wait "$side_pid" || status=1
  side_pid=""
  cat "$side_log"
  grep '^==== side tier .*: ' "$side_log" || true
fi
if [[ -s $main_log ]]; then
  # The main run's summary again, last, as the run's closing lines.
  echo "==== main tiers (${main_tiers[*]}):"
  sed -n '/tests passed/,$p' "$main_log"
fi
exit $status

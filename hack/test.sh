#!/usr/bin/env bash
# The test command: hack/test.sh [unit|integration|e2e|faults|registry|sanitize|lint ...]
# Runs the named tiers (all when none is named), installing and building what is missing, and
# starting/stopping the local control plane itself (a ctest fixture). Ends with ctest's summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$PATH:/usr/local/go/bin"

all_tiers=(unit integration e2e faults registry sanitize lint)
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

main_tiers=()
for t in "${tiers[@]}"; do [[ $t == sanitize ]] || main_tiers+=("$t"); done
if ((${#main_tiers[@]})); then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j "$jobs"
  labels=$(IFS='|'; echo "${main_tiers[*]}")
  ctest --test-dir build -L "^($labels)\$" --output-on-failure --timeout 900 || status=1
fi
exit $status

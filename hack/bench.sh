#!/usr/bin/env bash
# Builds and runs the benchmarks in bench/ (Release build in build-bench/) and prints figures.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
hack/install-deps.sh
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-bench -j "$(nproc)" --target operator_bench
build-bench/bench/operator_bench

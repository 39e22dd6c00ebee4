#!/usr/bin/env bash
# The benchmarks, one command: hack/bench.sh [--quick] [--out FILE]
#
# Builds bench/ and the operator (Release, in build-bench/), prints the micro benchmarks of the
# hot paths (bench/operator_bench), then runs the cluster scenarios on a local control plane of
# their own (bench/cluster_bench.sh: cold start, memory, at rest, reaction, each next to its
# floor) and writes every figure to FILE (default bench/results.json, the file README quotes).
# --quick: N up to 100, 30 s at rest, 20 reaction rounds (a few minutes instead of ~40).
# Figures only: nothing passes or fails on them. Needs no root (kwok nodes only).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$PATH:/usr/local/go/bin"

hack/install-deps.sh
hack/build-upstream.sh etcd kwok kubernetes
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-bench -j "$(nproc)" --target registry-operator operator_bench cluster_probe
build-bench/bench/operator_bench
args=("$@")
[[ " ${args[*]} " == *" --out "* ]] || args+=(--out "$root/bench/results.json")
BENCH_BUILD=$root/build-bench bench/cluster_bench.sh "${args[@]}"

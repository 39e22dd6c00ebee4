#!/usr/bin/env bash
# The operator on the local control plane (kwok nodes, no real node), next to the floor measured
# in the same run. Figures only; nothing passes or fails on them (docs/design.md §8).
#
#   bench/cluster_bench.sh [--quick] [--out FILE]     (hack/bench.sh runs it)
#
# Scenarios (README "Benchmarks" says what each figure means):
#   cold start  N RegistryConfigs (in one namespace, and one per namespace) exist before the
#               operator starts: seconds until every CR is Available, write requests by verb,
#               peak RSS, threads and CPU seconds. Floor: the objects `registry-operator render`
#               makes of the same CRs applied straight to the API server by one kubectl, until
#               every Deployment is Available. Each run gets a fresh control plane.
#   memory      RSS and threads after convergence for each N (the cold start rows), with other
#               tenants' Secrets (app Secrets and large Helm release Secrets) in the cluster.
#   at rest     N = max (one per namespace), after its cold start: idle for AT_REST_SECONDS:
#               write requests, CPU seconds, RSS.
#   reaction    then one CR patched (defaultRoute on, off, a bundle edit) ROUNDS times: time to
#               the effect seen through a watch, next to a plain Ingress create.
#
# Needs the build (build-bench/: registry-operator and bench/cluster_probe, Release) and the
# upstream binaries (hack/build-upstream.sh); hack/bench.sh provides both.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

quick=false
out=$root/build-bench/cluster-bench.json
while (($#)); do
  case $1 in
  --quick) quick=true ;;
  --out) out=$2; shift ;;
  *) echo "usage: $0 [--quick] [--out FILE]" >&2; exit 2 ;;
  esac
  shift
done

BUILD=${BENCH_BUILD:-$root/build-bench}
OPERATOR=$BUILD/registry-operator
PROBE=$BUILD/bench/cluster_probe
if $quick; then
  SIZES=(1 10 100)
  AT_REST_SECONDS=30
  ROUNDS=20
else
  SIZES=(1 10 100 1000)
  AT_REST_SECONDS=300
  ROUNDS=67 # three patches per round: 201 patches of the CR and its bundle
fi
# For a look at one size: BENCH_SIZES="1000" BENCH_AT_REST_SECONDS=0 (0 skips at rest and reaction).
read -r -a SIZES <<<"${BENCH_SIZES:-${SIZES[*]}}"
AT_REST_SECONDS=${BENCH_AT_REST_SECONDS:-$AT_REST_SECONDS}
MAX=${SIZES[-1]}
# Other tenants' Secrets the operator must not pay for: app Secrets and Helm release Secrets.
TENANT_SECRETS=500
HELM_RELEASES=20
HELM_RELEASE_KIB=512

commit=$(git rev-parse --short HEAD) # of the run's start: commits made meanwhile are not measured
work=$(mktemp -d /tmp/registry-operator-bench.XXXXXX)
export CONTROLPLANE_DIR=$work/controlplane
operator_pid=""
cleanup() {
  [[ -n $operator_pid ]] && kill "$operator_pid" 2>/dev/null && wait "$operator_pid" 2>/dev/null
  hack/controlplane.sh down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

log() { echo "[bench] $*" >&2; }
now() { date +%s.%N; }
# Free loopback ports for the operator's metrics and health endpoints.
metrics_port=$((20000 + RANDOM % 20000))
health_port=$((metrics_port + 1))

cluster_up() {
  hack/controlplane.sh up --no-real-node >"$work/controlplane.log" 2>&1 ||
    { cat "$work/controlplane.log" >&2; exit 1; }
  eval "$(hack/controlplane.sh env)"
  kubectl apply --server-side -f crds/ >/dev/null
  kubectl wait --for condition=Established crd/registryconfigs.imageregistry.io >/dev/null
}
cluster_down() { hack/controlplane.sh down >/dev/null 2>&1; }

# namespaces N LAYOUT: the namespaces of crs N LAYOUT.
namespaces() {
  local n=$1 layout=$2 i
  if [[ $layout == one ]]; then
    printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: bench}\n'
    return
  fi
  for ((i = 1; i <= n; i++)); do
    printf -- '---\napiVersion: v1\nkind: Namespace\nmetadata: {name: bench-%d}\n' "$i"
  done
}

# crs N LAYOUT: N RegistryConfigs, each with its bundle Secret; LAYOUT `one` puts them all in
# namespace bench as r-<i>, `many` one per namespace bench-<i>, named image-registry.
crs() {
  local n=$1 layout=$2 i ns name
  for ((i = 1; i <= n; i++)); do
    if [[ $layout == one ]]; then ns=bench name=r-$i; else ns=bench-$i name=image-registry; fi
    cat <<EOF
---
apiVersion: v1
kind: Secret
metadata: {name: $name-bundle, namespace: $ns}
stringData:
  config.yml: |
    version: 0.1
---
apiVersion: imageregistry.io/v1alpha1
kind: RegistryConfig
metadata: {name: $name, namespace: $ns}
spec:
  storage: {emptyDir: {}}
  configBundleSecret: $name-bundle
EOF
  done
}

# Other tenants: Secrets of ordinary apps and big Helm release Secrets, in namespaces of their
# own. The operator watches only Secrets' metadata, so these should cost it next to nothing.
tenants() {
  local i blob
  blob=$(head -c $((HELM_RELEASE_KIB * 1024 * 3 / 4)) /dev/urandom | base64 -w0)
  printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: tenant-apps}\n'
  for ((i = 1; i <= TENANT_SECRETS; i++)); do
    printf -- '---\napiVersion: v1\nkind: Secret\nmetadata: {name: app-%d, namespace: tenant-apps}\nstringData: {password: "%s"}\n' \
      "$i" "$(head -c 1536 /dev/urandom | base64 -w0)"
  done
  for ((i = 1; i <= HELM_RELEASES; i++)); do
    printf -- '---\napiVersion: v1\nkind: Secret\ntype: helm.sh/release.v1\nmetadata: {name: sh.helm.release.v1.app.v%d, namespace: tenant-apps, labels: {owner: helm, name: app}}\ndata: {release: "%s"}\n' \
      "$i" "$blob"
  done
}

apply_file() { kubectl apply --server-side --field-manager=bench -f "$1" >/dev/null; }

# proc_sample PID: "rss_kib hwm_kib threads cpu_seconds" from /proc.
proc_sample() {
  local pid=$1 rss hwm threads ticks
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
  threads=$(awk '/^Threads/ {print $2}' "/proc/$pid/status")
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  echo "$rss $hwm $threads $(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz}')"
}

# Peak thread count while the operator runs (VmHWM already gives the peak RSS).
thread_watch() {
  local pid=$1 peak=0 t
  while kill -0 "$pid" 2>/dev/null; do
    t=$(awk '/^Threads/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    ((t > peak)) && { peak=$t; echo "$peak" >"$work/threads-peak"; }
    sleep 0.2
  done
}

start_operator() {
  "$OPERATOR" run --metrics-addr "127.0.0.1:$metrics_port" --health-addr "127.0.0.1:$health_port" \
    --ingress-domain bench.test --registry-image localhost/registry:bench >"$work/operator.log" 2>&1 &
  operator_pid=$!
  echo 0 >"$work/threads-peak"
  thread_watch "$operator_pid" &
}
stop_operator() {
  kill "$operator_pid" 2>/dev/null || true
  wait "$operator_pid" 2>/dev/null || true
  operator_pid=""
}

# API requests the operator made, by verb, from its own rest_client_requests_total.
requests_by_verb() {
  curl -fsS "http://127.0.0.1:$metrics_port/metrics" |
    awk '/^rest_client_requests_total/ {
      match($0, /verb="[A-Z]+"/); verb = substr($0, RSTART + 6, RLENGTH - 7); n[verb] += $NF
    } END { first = 1; printf "{"; for (v in n) { printf "%s\"%s\": %d", first ? "" : ", ", v, n[v]; first = 0 } printf "}" }'
}
writes_of() { jq '[to_entries[] | select(.key != "GET" and .key != "LIST" and .key != "WATCH") | .value] | add // 0' <<<"$1"; }

results=()
record() { results+=("$1"); log "$1"; }

# cold_start N LAYOUT: one fresh cluster for the operator, one for the floor.
cold_start() {
  local n=$1 layout=$2 start done_at verbs sample
  namespaces "$n" "$layout" >"$work/namespaces.yaml"
  crs "$n" "$layout" >"$work/crs.yaml"

  cluster_up
  apply_file "$work/tenants.yaml"
  apply_file "$work/namespaces.yaml"
  apply_file "$work/crs.yaml"
  "$PROBE" available --resource registryconfigs --count "$n" >"$work/done.json" &
  local probe=$!
  sleep 1 # the probe's watch is open
  start=$(now)
  start_operator
  wait "$probe"
  done_at=$(jq .done_at "$work/done.json")
  # What follows convergence settles, and the operator's periodic release of free heap pages
  # (every 10 s) has run once: the resident size it keeps, not a burst it has just ended.
  sleep 12
  verbs=$(requests_by_verb)
  sample=$(proc_sample "$operator_pid")
  read -r rss hwm threads cpu <<<"$sample"
  local operator_seconds
  operator_seconds=$(awk -v a="$start" -v b="$done_at" 'BEGIN {printf "%.2f", b - a}')
  # The largest N spread over namespaces goes on: idle, then patched.
  if [[ $layout == many ]] && ((n == MAX && AT_REST_SECONDS > 0)); then at_rest_and_reaction "$n"; fi
  stop_operator
  cluster_down

  # The floor: the same objects, rendered offline, applied by one client to a fresh cluster.
  "$OPERATOR" render -f "$work/crs.yaml" -o json --ingress-domain bench.test \
    --registry-image localhost/registry:bench >"$work/floor.json"
  cluster_up
  apply_file "$work/tenants.yaml"
  apply_file "$work/namespaces.yaml"
  local objects
  objects=$(jq '.items | length' "$work/floor.json")
  "$PROBE" available --resource deployments --count "$n" >"$work/done.json" &
  probe=$!
  sleep 1
  start=$(now)
  "$PROBE" apply --file "$work/floor.json" >/dev/null
  wait "$probe"
  done_at=$(jq .done_at "$work/done.json")
  local floor_seconds
  floor_seconds=$(awk -v a="$start" -v b="$done_at" 'BEGIN {printf "%.2f", b - a}')
  cluster_down

  record "$(jq -cn --argjson n "$n" --arg layout "$layout" --argjson op "$operator_seconds" \
    --argjson floor "$floor_seconds" --argjson verbs "$verbs" --argjson writes "$(writes_of "$verbs")" \
    --argjson objects "$objects" --argjson rss "$rss" --argjson hwm "$hwm" --argjson threads "$threads" \
    --argjson peak_threads "$(cat "$work/threads-peak")" --argjson cpu "$cpu" \
    '{scenario: "cold start", n: $n, layout: $layout, operator_seconds: $op, floor_seconds: $floor,
      ratio: (if $floor > 0 then ($op / $floor * 100 | round / 100) else null end),
      requests: $verbs, writes: $writes, desired_objects: $objects,
      writes_per_object: (($writes / $objects) * 100 | round / 100),
      rss_mib: ($rss / 1024 * 10 | round / 10), peak_rss_mib: ($hwm / 1024 * 10 | round / 10),
      threads: $threads, peak_threads: $peak_threads, cpu_seconds: $cpu}')"
}

# at_rest_and_reaction N: with the operator converged over N registries (one per namespace),
# idle for AT_REST_SECONDS, then patch bench-1/image-registry ROUNDS times.
at_rest_and_reaction() {
  local n=$1 v0 v1 s0 s1
  v0=$(requests_by_verb)
  s0=$(proc_sample "$operator_pid")
  log "at rest: $n registries idle for $AT_REST_SECONDS s"
  sleep "$AT_REST_SECONDS"
  v1=$(requests_by_verb)
  s1=$(proc_sample "$operator_pid")
  read -r _ _ _ cpu0 <<<"$s0"
  read -r rss hwm threads cpu1 <<<"$s1"
  local writes
  writes=$(($(writes_of "$v1") - $(writes_of "$v0")))
  record "$(jq -cn --argjson n "$n" --argjson s "$AT_REST_SECONDS" --argjson w "$writes" \
    --argjson v0 "$v0" --argjson v1 "$v1" --argjson cpu "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {printf "%.2f", b - a}')" \
    --argjson rss "$rss" --argjson threads "$threads" \
    '{scenario: "at rest", n: $n, seconds: $s, writes: $w, writes_per_minute: ($w / $s * 60),
      requests: ($v1 | with_entries(.value -= ($v0[.key] // 0))),
      cpu_seconds: $cpu, rss_mib: ($rss / 1024 * 10 | round / 10), threads: $threads}')"

  log "reaction: $ROUNDS rounds on bench-1/image-registry"
  local reaction
  reaction=$("$PROBE" reaction --namespace bench-1 --name image-registry \
    --bundle-secret image-registry-bundle --rounds "$ROUNDS")
  record "$(jq -c --argjson n "$n" '{scenario: "reaction", n: $n} + .' <<<"$reaction")"
}

tenants >"$work/tenants.yaml"
for n in "${SIZES[@]}"; do
  log "cold start: $n registries, one namespace"
  cold_start "$n" one
  log "cold start: $n registries, one per namespace"
  cold_start "$n" many
done

mkdir -p "$(dirname "$out")"
{
  jq -cn --arg cpu "$(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}')" \
    --argjson cores "$(nproc)" --arg commit "$commit" --arg date "$(date -u +%F)" \
    '{machine: {cpu: $cpu, cores: $cores}, commit: $commit, date: $date}'
  printf '%s\n' "${results[@]}"
} | jq -s '.[0] + {results: .[1:]}' >"$out"
log "figures written to $out"
cat "$out"

# shellcheck shell=bash
# Helpers of the fault tier (sourced after tests/e2e/lib.sh): many RegistryConfigs whose pods
# land on the kwok nodes, a test of convergence that looks at every CR and every object, and the
# faults themselves. Each fault test ends with every CR converged, no duplicate or orphaned
# object, no pod rolled without a reason, and the operator's process as expected.
source "$SOURCE_ROOT/tests/e2e/lib.sh"
CONTROLPLANE="$SOURCE_ROOT/hack/controlplane.sh"
# How many RegistryConfigs a fault test runs (the issue asks for 100).
COUNT=${FAULT_REGISTRIES:-100}

# registry_yaml NAME [SPEC_EXTRA]: a RegistryConfig whose pods go to the kwok nodes (they become
# Ready without running anything), so that a hundred of them cost the machine nothing.
registry_yaml() {
  cat <<YAML
apiVersion: imageregistry.io/v1alpha1
kind: RegistryConfig
metadata: {name: $1}
spec:
  storage: {emptyDir: {}}
  nodeSelector: {type: kwok}
  tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]
${2:-}
YAML
}

# create_registries [SPEC_EXTRA]: COUNT RegistryConfigs r-0 .. r-(COUNT-1), in one request.
create_registries() {
  local i
  for ((i = 0; i < COUNT; i++)); do
    registry_yaml "r-$i" "${1:-}"
    echo "---"
  done >"$WORK/registries.yaml"
  k apply -f "$WORK/registries.yaml" >/dev/null
}

# convergence_report [WANT_INGRESS]: "" when every RegistryConfig in the namespace is converged,
# else the first problems found. Converged: status observes the current generation, Available
# True and Degraded False; exactly one Deployment, Service, ServiceAccount (and the jobs' one),
# config and private Secret and CronJob per CR and none without its CR (orphans), one ReplicaSet per CR (no pod
# rolled without a reason) unless ROLLOUTS_ALLOWED, and an Ingress per CR when WANT_INGRESS=true.
convergence_report() {
  local want_ingress=${1:-false}
  {
    k get regcfg -o json
    k get deploy,svc,sa,secret,cronjob,ingress,rs -l app.kubernetes.io/managed-by=registry-operator -o json
  } | python3 -c '
import json, sys
from collections import Counter
want_ingress, rollouts_allowed = sys.argv[1] == "true", sys.argv[2] == "true"
decoder, text = json.JSONDecoder(), sys.stdin.read()
crs, end = decoder.raw_decode(text)
objects, _ = decoder.raw_decode(text[end:].lstrip())
names = {cr["metadata"]["name"] for cr in crs["items"]}
problems = []
for cr in crs["items"]:
    name, status = cr["metadata"]["name"], cr.get("status", {})
    conditions = {c["type"]: c["status"] for c in status.get("conditions", [])}
    if status.get("observedGeneration") != cr["metadata"]["generation"]:
        problems.append(name + ": status not observed")
    elif conditions.get("Available") != "True" or conditions.get("Degraded") != "False":
        problems.append("%s: Available=%s Degraded=%s" % (name, conditions.get("Available"), conditions.get("Degraded")))
count = Counter()
for o in objects["items"]:
    instance = o["metadata"].get("labels", {}).get("app.kubernetes.io/instance", "")
    kind = o["kind"]
    if kind in ("Secret", "ServiceAccount"):
        kind += o["metadata"]["name"][len(instance):]
    if instance not in names:
        problems.append("orphan %s %s" % (o["kind"], o["metadata"]["name"]))
    count[(instance, kind)] += 1
wanted = ["Deployment", "Service", "ServiceAccount", "ServiceAccount-jobs", "Secret-config",
          "Secret-private", "CronJob"]
if want_ingress:
    wanted.append("Ingress")
for name in sorted(names):
    for kind in wanted:
        if count[(name, kind)] != 1:
            problems.append("%s: %d %s" % (name, count[(name, kind)], kind))
    if not want_ingress and count[(name, "Ingress")]:
        problems.append(name + ": an Ingress not wanted")
    if not rollouts_allowed and count[(name, "ReplicaSet")] > 1:
        problems.append("%s: %d ReplicaSets (pods rolled)" % (name, count[(name, "ReplicaSet")]))
print("; ".join(problems[:5]) + (" (and %d more)" % (len(problems) - 5) if len(problems) > 5 else ""))
' "$want_ingress" "${ROLLOUTS_ALLOWED:-false}"
}

converged() { [[ -z $(convergence_report "$@") ]]; }

# wait_converged SECONDS [WANT_INGRESS]: fails with what is still wrong when time runs out.
wait_converged() {
  local deadline=$((SECONDS + $1)) report
  while true; do
    report=$(convergence_report "${2:-false}" 2>&1) || true
    [[ -z $report ]] && return 0
    ((SECONDS < deadline)) || fail "not converged after $1 s: $report"
    sleep 2
  done
}

# converged_count: how many RegistryConfigs have reached Available.
converged_count() {
  k get regcfg -o 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Available")].status}{"\n"}{end}' 2>/dev/null |
    grep -c '^True$' || true
}

# at_least_available N / some_ingress: predicates for wait_for.
at_least_available() { (($(converged_count) >= $1)); }
some_ingress() { [[ -n $(k get ingress -o name 2>/dev/null) ]]; }
ingress_count() { k get ingress -o name 2>/dev/null | wc -l; }

# operator_alive: the operator started by start_operator still runs (it never restarted).
operator_alive() { [[ -n $operator_pid ]] && kill -0 "$operator_pid" 2>/dev/null; }

# proxied_kubeconfig cut|stall FILE: starts tests/faults/cutting_proxy.py in that mode between
# 127.0.0.1 and the apiserver, and writes FILE, a kubeconfig that goes through it (the
# apiserver's certificate is valid for 127.0.0.1 too). PROXY_PID is the proxy's pid.
proxied_kubeconfig() {
  local server hostport port
  server=$(kubectl config view --minify -o 'jsonpath={.clusters[0].cluster.server}')
  hostport=${server#https://}
  port=$(free_port)
  python3 "$SOURCE_ROOT/tests/faults/cutting_proxy.py" "$1" "$port" "${hostport%:*}" "${hostport##*:}" 900 &
  PROXY_PID=$!
  HELPER_PIDS+=("$PROXY_PID")
  wait_for "the proxy listening" 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
  kubectl config view --raw --minify >"$2"
  kubectl --kubeconfig "$2" config set-cluster "$(kubectl config view --minify -o 'jsonpath={.clusters[0].name}')" \
    --server "https://127.0.0.1:$port" >/dev/null
  kubectl --kubeconfig "$2" get --raw /readyz >/dev/null || fail "the apiserver cannot be reached through the proxy"
}

# Leader-electing replicas: start_replica NAME [KUBECONFIG] runs one, logging to
# $WORK/NAME.replica.log (joined to the operator's log at the end); pid[NAME], metrics[NAME].
declare -A pid metrics
start_replica() {
  local name=$1 kubeconfig=${2:-$KUBECONFIG}
  metrics[$name]=$(free_port)
  "$OPERATOR" run --kubeconfig "$kubeconfig" --namespace "$NS" --platform kubernetes --leader-elect \
    --leader-election-namespace "$NS" --metrics-addr "127.0.0.1:${metrics[$name]}" \
    --ingress-domain apps.e2e.test --registry-image "$REGISTRY_IMAGE" \
    --operator-image "$OPERATOR_IMAGE" --health-addr "" >>"$WORK/$name.replica.log" 2>&1 &
  pid[$name]=$!
  HELPER_PIDS+=("${pid[$name]}")
}
leading() { curl -sf -m 2 "http://127.0.0.1:${metrics[$1]}/metrics" | grep -q '^leader_election_master_status{.*} 1'; }
leader_among() {
  local name
  for name in "$@"; do if leading "$name"; then echo "$name"; fi; done
}
one_leader() { [[ $(leader_among "$@" | wc -l) == 1 ]]; }
exited() { ! kill -0 "${pid[$1]}" 2>/dev/null; }

# apiserver_down SECONDS: the apiserver is killed and comes back after SECONDS.
apiserver_down() {
  APISERVER_TOUCHED=true
  "$CONTROLPLANE" stop-apiserver >/dev/null 2>&1
  sleep "$1"
  "$CONTROLPLANE" start-apiserver >/dev/null 2>&1
}

# Whatever a fault test changed in the cluster is put back, also when it fails: the apiserver
# runs again with the flags of `up`, and helper processes (the proxy) are stopped.
APISERVER_TOUCHED=false
HELPER_PIDS=()
fault_cleanup() {
  local status=$?
  # Under set -e a failing step, even the (exit) below, would end the shell before cleanup.
  set +e
  local pid
  for pid in "${HELPER_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  # Logs of extra operator processes join the operator's, for the failure report and the check
  # that no Secret value was logged.
  local replica_log
  for replica_log in "$WORK"/*.replica.log; do
    [[ -f $replica_log ]] && cat "$replica_log" >>"$OPERATOR_LOG"
  done
  if $APISERVER_TOUCHED; then
    "$CONTROLPLANE" start-apiserver >/dev/null 2>&1 || echo "[$TEST_NAME] could not restart kube-apiserver" >&2
  fi
  (exit "$status")
  cleanup
}
trap fault_cleanup EXIT

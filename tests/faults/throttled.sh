#!/usr/bin/env bash
# kube-apiserver answering 429 Too Many Requests: API Priority and Fairness puts the operator's
# ServiceAccount (and only it) in a priority level of a single seat that rejects instead of
# queueing, so every request that overlaps another is refused. The operator slows down, honours
# Retry-After, and converges a hundred RegistryConfigs anyway.
#
# One seat takes arithmetic: a level's seats are ceil(server seats x its shares / all shares), at
# least 1. With the server's 600 seats and the built-in levels' 245 shares, a level of 1 share
# still gets 3 seats, which an operator rarely fills (an earlier version of this test converged
# without a single 429). A ballast level of 1,000 shares that lends all its seats brings the
# operator's level down to 1 seat while the built-in levels keep enough (workload-high 20, and
# they may borrow the ballast's). The test fails when no request was refused: then it tested
# nothing.
source "$(dirname "$0")/lib.sh"
k create serviceaccount throttled-operator >/dev/null
kubectl create clusterrolebinding "$NS-operator" --clusterrole=cluster-admin \
  --serviceaccount="$NS:throttled-operator" >/dev/null
remove_flow_control() {
  kubectl delete flowschema "$NS" --ignore-not-found >/dev/null 2>&1
  kubectl delete prioritylevelconfiguration "$NS" "$NS-ballast" --ignore-not-found >/dev/null 2>&1
  kubectl delete clusterrolebinding "$NS-operator" --ignore-not-found >/dev/null 2>&1
}
throttled_cleanup() {
  local status=$?
  set +e
  remove_flow_control
  (exit "$status")
  fault_cleanup
}
trap throttled_cleanup EXIT
kubectl apply -f - >/dev/null <<YAML
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata: {name: $NS-ballast}
spec:
  type: Limited
  limited:
    nominalConcurrencyShares: 1000
    lendablePercent: 100
    limitResponse: {type: Reject}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata: {name: $NS}
spec:
  type: Limited
  limited:
    nominalConcurrencyShares: 1
    lendablePercent: 0
    borrowingLimitPercent: 0
    limitResponse: {type: Reject}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata: {name: $NS}
spec:
  priorityLevelConfiguration: {name: $NS}
  matchingPrecedence: 100
  rules:
  - subjects: [{kind: ServiceAccount, serviceAccount: {name: throttled-operator, namespace: $NS}}]
    resourceRules: [{verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"], clusterScope: true}]
    nonResourceRules: [{verbs: ["*"], nonResourceURLs: ["*"]}]
YAML
# The apiserver reads the new configuration a moment later; its metrics say when the level has
# its one seat. (Read whole before grep: `kubectl | grep -q` fails under pipefail when grep
# stops reading first.)
one_seat() {
  local metrics
  metrics=$(kubectl get --raw /metrics 2>/dev/null) &&
    grep -q "^apiserver_flowcontrol_current_limit_seats{priority_level=\"$NS\"} 1\$" <<<"$metrics"
}
wait_for "the operator's priority level to have one seat" 60 one_seat

token=$(k create token throttled-operator --duration=1h)
token_kubeconfig "$token" "$WORK/operator.kubeconfig"
create_registries
start_operator_detached --kubeconfig "$WORK/operator.kubeconfig" --workers 8
wait_converged 600
throttled=$(curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" |
  awk '/^rest_client_requests_total\{.*code="429"/ {sum += $NF} END {print sum + 0}')
log "converged; the operator was answered 429 $throttled times"
((throttled > 0)) || fail "no request was throttled: the test did not test anything"
operator_alive || fail "the operator restarted"
if grep -qF "$token" "$OPERATOR_LOG"; then fail "the token appears in the operator log"; fi
log "PASS"

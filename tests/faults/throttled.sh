#!/usr/bin/env bash
# kube-apiserver answering 429 Too Many Requests: API Priority and Fairness puts the operator's
# ServiceAccount (and only it) in a priority level of a single seat that rejects instead of
# queueing, so every request that overlaps another is refused. The operator slows down, honours
# Retry-After, and converges a hundred RegistryConfigs anyway.
source "$(dirname "$0")/lib.sh"
k create serviceaccount throttled-operator >/dev/null
kubectl create clusterrolebinding "$NS-operator" --clusterrole=cluster-admin \
  --serviceaccount="$NS:throttled-operator" >/dev/null
kubectl apply -f - >/dev/null <<YAML
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata: {name: $NS}
spec:
  type: Limited
  limited:
    nominalConcurrencyShares: 1
    lendablePercent: 0
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
remove_flow_control() {
  kubectl delete flowschema "$NS" --ignore-not-found >/dev/null 2>&1 || true
  kubectl delete prioritylevelconfiguration "$NS" --ignore-not-found >/dev/null 2>&1 || true
  kubectl delete clusterrolebinding "$NS-operator" --ignore-not-found >/dev/null 2>&1 || true
}
trap 'status=$?; set +e; remove_flow_control; (exit $status); fault_cleanup' EXIT

token=$(k create token throttled-operator --duration=1h)
server=$(kubectl config view --raw --minify -o 'jsonpath={.clusters[0].cluster.server}')
ca=$(kubectl config view --raw --minify -o 'jsonpath={.clusters[0].cluster.certificate-authority-data}')
cat >"$WORK/operator.kubeconfig" <<KC
apiVersion: v1
kind: Config
current-context: operator
contexts: [{name: operator, context: {cluster: local, user: operator, namespace: $NS}}]
clusters: [{name: local, cluster: {server: "$server", certificate-authority-data: "$ca"}}]
users: [{name: operator, user: {token: "$token"}}]
KC

create_registries
start_operator_detached --kubeconfig "$WORK/operator.kubeconfig" --workers 4
wait_converged 600
throttled=$(curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" |
  awk '/^rest_client_requests_total\{.*code="429"/ {sum += $NF} END {print sum + 0}')
log "converged; the operator was answered 429 $throttled times"
((throttled > 0)) || fail "no request was throttled: the test did not test anything"
operator_alive || fail "the operator restarted"
grep -qF "$token" "$OPERATOR_LOG" && fail "the token appears in the operator log"
log "PASS"

#!/usr/bin/env bash
# The plain install, as an administrator does it: `kubectl apply -f crds/ -f manifests/`, then
# the install-time settings with `kubectl set env` (the registry image of an air-gapped cluster,
# the ingress domain). The operator runs in-cluster from its image on the real node: two replicas
# admitted by the restricted Pod Security level, probes ready, one leader. A RegistryConfig
# becomes Available with its registry pod on the real node and a default route under the
# configured domain, /metrics answers through the metrics Service, and the manifests' RBAC is
# enough for all of it (no request refused) and no more (requests beyond it, impersonating the
# operator's ServiceAccount, are refused). Then the leader's process is killed: the other
# replica takes the Lease over and goes on reconciling.
source "$(dirname "$0")/lib.sh"
OP_NS=registry-operator-system
SA=system:serviceaccount:$OP_NS:registry-operator

operator_pods() {
  kubectl -n "$OP_NS" get pods -l app.kubernetes.io/name=registry-operator -o "jsonpath={.items[*]$1}" 2>/dev/null || true
}
# The operator pods' logs join the test's operator log: for the failure report, the check that
# no Secret value was logged, and the check that nothing was refused.
LOGS_SAVED=false
save_operator_logs() {
  local pod
  ! $LOGS_SAVED || return 0
  LOGS_SAVED=true
  for pod in $(operator_pods .metadata.name); do
    echo "---- $pod" >>"$OPERATOR_LOG"
    kubectl -n "$OP_NS" logs "$pod" --all-containers >>"$OPERATOR_LOG" 2>/dev/null || true
    kubectl -n "$OP_NS" logs "$pod" --all-containers --previous >>"$OPERATOR_LOG" 2>/dev/null || true
  done
}
namespace_gone() { ! kubectl get namespace "$OP_NS" >/dev/null 2>&1; }
on_exit() {
  local status=$?
  set +e # else the (exit) below ends the shell before cleanup when the test failed
  save_operator_logs
  # The CR first, while an operator still runs; then the install, waited for, so that the next
  # install (the Helm test) can reuse the namespace.
  k delete regcfg --all --wait=false >/dev/null 2>&1
  kubectl delete -f "$SOURCE_ROOT/manifests/" --ignore-not-found --wait=false >/dev/null 2>&1
  local deadline=$((SECONDS + 90))
  until namespace_gone || ((SECONDS > deadline)); do sleep 1; done
  namespace_gone || echo "[$TEST_NAME] namespace $OP_NS still exists after 90 s" >&2
  (exit $status)
  cleanup
}
trap on_exit EXIT

! kubectl get namespace "$OP_NS" >/dev/null 2>&1 || fail "namespace $OP_NS exists before the install"
# Made by whichever operator started first on this cluster: gone, so that this one creates them.
kubectl delete clusterrole registry-viewer registry-editor --ignore-not-found >/dev/null
kubectl apply -f "$SOURCE_ROOT/crds/" -f "$SOURCE_ROOT/manifests/" >/dev/null
kubectl -n "$OP_NS" set env deployment/registry-operator \
  "RELATED_IMAGE_REGISTRY=$REGISTRY_IMAGE" REGISTRY_OPERATOR_INGRESS_DOMAIN=apps.e2e.test >/dev/null
kubectl -n "$OP_NS" rollout status deployment/registry-operator --timeout=120s >/dev/null ||
  fail "the operator Deployment did not roll out: $(kubectl -n "$OP_NS" get pods -o wide 2>&1)"
# Both replicas ready (a standby replica's /readyz is ready too), on the real node.
two_ready() {
  only true "$(operator_pods '.status.containerStatuses[*].ready')" &&
    [[ $(operator_pods .metadata.name | wc -w) == 2 ]]
}
wait_for "both operator pods ready" 60 two_ready
only "$NODE_NAME" "$(operator_pods .spec.nodeName)" || fail "an operator pod is not on the real node"

# leader_pod: the pod whose identity holds the Lease (identities are <hostname>_<random>).
leader_pod() {
  local holder
  holder=$(kubectl -n "$OP_NS" get lease registry-operator-leader -o 'jsonpath={.spec.holderIdentity}' 2>/dev/null)
  [[ -n $holder ]] && echo "${holder%_*}"
}
wait_for "a leader" 60 leader_pod
leader=$(leader_pod)
[[ " $(operator_pods .metadata.name) " == *" $leader "* ]] || fail "the Lease holder $leader is not an operator pod"
log "leader: $leader"

# A RegistryConfig applied afterwards: Available, its registry pod on the real node, and a
# default route under the domain set at install time.
apply_sample_and_wait
wait_for "the registry pod running on the real node" 60 running_on_real_node image-registry
k patch regcfg/image-registry --type=merge -p '{"spec":{"defaultRoute":true}}' >/dev/null
wait_for "Ingress" 60 exists ingress image-registry-default-route
host=$(jsonpath ingress image-registry-default-route '{.spec.rules[0].host}')
[[ $host == "image-registry-default-route-$NS.apps.e2e.test" ]] || fail "default route host is '$host'"
for role in registry-viewer registry-editor; do
  kubectl get clusterrole "$role" >/dev/null 2>&1 || fail "the operator did not create ClusterRole $role"
done
events() { k get events.events.k8s.io --field-selector reason=Applied -o name | grep -q .; }
wait_for "an Applied Event" 30 events

# /metrics through the metrics Service (the API server's service proxy reaches its ClusterIP).
metrics=$(kubectl get --raw "/api/v1/namespaces/$OP_NS/services/registry-operator-metrics:metrics/proxy/metrics")
grep -q '^leader_election_master_status' <<<"$metrics" || fail "the metrics Service does not serve the operator's /metrics"

# The operator processes on this host (those of the pods: their command starts with the image's path).
operator_processes() { pgrep -f '^/usr/bin/registry-operator run' || true; }

# Resident memory of each replica, read from the node (the figure behind the memory request).
for pid in $(operator_processes); do
  if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -q "^HOSTNAME=registry-operator-"; then
    log "replica pid $pid: $(grep VmRSS "/proc/$pid/status" | tr -s ' \t' ' '), $(grep Threads "/proc/$pid/status" | tr -s ' \t' ' ')"
  fi
done

# Least privilege, proven by impersonation: what the operator needs it has, and what lies beyond
# is refused.
can() { kubectl auth can-i --as="$SA" "$@" >/dev/null 2>&1; }
for right in "update leases -n $OP_NS" "create leases -n $OP_NS" "update registryconfigs --subresource=finalizers -n $NS" \
  "patch registryconfigs --subresource=status -n $NS" "create events.events.k8s.io -n $NS" "patch deployments -n $NS" \
  "patch clusterroles/registry-editor" "create clusterroles"; do
  # shellcheck disable=SC2086 # the words of one right
  can $right || fail "the operator's ServiceAccount may not: $right"
done
for right in "update leases -n kube-node-lease" "get leases -n kube-system" "update registryconfigs -n $NS" \
  "get nodes" "list pods -n $NS" "create pods --subresource=exec -n $NS" "delete namespaces" \
  "create clusterrolebindings" "patch clusterroles/admin" "escalate clusterroles" "bind clusterroles" \
  "impersonate users" "create customresourcedefinitions.apiextensions.k8s.io"; do
  # shellcheck disable=SC2086
  ! can $right || fail "the operator's ServiceAccount may: $right"
done
# And real requests, not only reviews: a node's heartbeat Lease and a node are out of reach
# (a server-side dry run is authorized like the real write, and changes nothing).
refused() {
  local out
  out=$("$@" 2>&1) && return 1
  grep -q "Forbidden" <<<"$out"
}
refused kubectl --as="$SA" -n kube-node-lease patch lease "$NODE_NAME" --dry-run=server --type=merge \
  -p '{"spec":{"holderIdentity":"registry-operator"}}' || fail "the operator could patch a node's Lease"
refused kubectl --as="$SA" get node "$NODE_NAME" || fail "the operator could read a Node"

# The leader dies without a word (SIGKILL from the node: no lease release). The other replica
# takes the Lease once it expires and reconciles the next change.
killed=false
for pid in $(operator_processes); do
  if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "HOSTNAME=$leader"; then
    kill -KILL "$pid" && killed=true
  fi
done
$killed || fail "no process of the leader pod $leader on this node"
new_leader() { local now; now=$(leader_pod) && [[ $now != "$leader" ]]; }
wait_for "another replica to take the Lease" 60 new_leader
log "new leader: $(leader_pod) (the killed one was $leader)"
k patch regcfg/image-registry --type=merge -p '{"spec":{"defaultRoute":false}}' >/dev/null
wait_for "Ingress removed by the new leader" 60 absent ingress image-registry-default-route
condition_is image-registry Available True || fail "image-registry is not Available after the handover"

save_operator_logs
# An RBAC refusal reads `... is forbidden: User "system:serviceaccount:..." cannot <verb> ...`.
if grep -q 'cannot \(get\|list\|watch\|create\|update\|patch\|delete\)' "$OPERATOR_LOG"; then
  fail "the operator was refused something: $(grep -m1 'cannot \(get\|list\|watch\|create\|update\|patch\|delete\)' "$OPERATOR_LOG")"
fi
grep -q 'became leader' "$OPERATOR_LOG" || fail "no replica said it became leader"
log "PASS"

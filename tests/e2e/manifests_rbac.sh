#!/usr/bin/env bash
# `kubectl apply -f crds/ -f manifests/` is accepted by the API server (the operator's pods meet
# the restricted Pod Security Standard of their namespace), and the ClusterRole is enough: the
# operator, run with a token of the manifests' ServiceAccount, brings a registry up with a
# default route, events and a leader Lease, creates ClusterRoles registry-viewer and
# registry-editor (without the escalate verb: it holds what they grant), and is never refused.
source "$(dirname "$0")/lib.sh"
remove_manifests() { kubectl delete -f "$SOURCE_ROOT/manifests/" --wait=false >/dev/null 2>&1 || true; }
on_exit() {
  local status=$?
  set +e # else the (exit) below ends the shell before cleanup when the test failed
  remove_manifests
  (exit $status)
  cleanup
}
trap on_exit EXIT

kubectl apply -f "$SOURCE_ROOT/manifests/" >/dev/null
# Pod Security admission of the restricted namespace lets the operator's own pods in.
operator_pods() {
  [[ $(kubectl -n registry-operator-system get pods -l app.kubernetes.io/name=registry-operator \
    -o name | wc -l) == 2 ]]
}
wait_for "the operator Deployment's 2 pods admitted" 60 operator_pods
token=$(kubectl -n registry-operator-system create token registry-operator --duration=1h)
token_kubeconfig "$token" "$WORK/operator.kubeconfig"
# Made by whichever operator started first on this cluster: gone, so that this one creates them.
kubectl delete clusterrole registry-viewer registry-editor --ignore-not-found >/dev/null
start_operator --kubeconfig "$WORK/operator.kubeconfig" --leader-elect --leader-election-namespace "$NS"
apply_sample_and_wait
k patch regcfg/image-registry --type=merge -p '{"spec":{"defaultRoute":true}}' >/dev/null
wait_for "Ingress" 60 exists ingress image-registry-default-route
exists lease registry-operator-leader || fail "no leader Lease"
for role in registry-viewer registry-editor; do
  kubectl get clusterrole "$role" >/dev/null 2>&1 || fail "the operator did not create ClusterRole $role"
done
events() { k get events.events.k8s.io --field-selector reason=Applied -o name | grep -q .; }
wait_for "an Applied Event" 30 events
! grep -qi "forbidden" "$OPERATOR_LOG" || fail "the operator was refused something: $(grep -i -m1 forbidden "$OPERATOR_LOG")"
grep -q "$token" "$OPERATOR_LOG" && fail "the token appears in the operator log"
log "PASS"

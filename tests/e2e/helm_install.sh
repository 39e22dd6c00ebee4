#!/usr/bin/env bash
# The Helm chart as a user installs it: `helm install` into registry-operator-system (made and
# labelled for the restricted Pod Security Standard first, so the chart's pods must meet it)
# brings up both operator replicas on the real node; the operator, running in the cluster as the
# chart's ServiceAccount, makes the sample registry Available; `helm upgrade` with logLevel=debug
# rolls the Deployment (a new ReplicaSet whose pods get ready) and the new pods keep reconciling
# (defaultRoute → Ingress on the chart's ingressDomain); `helm uninstall` removes the chart's
# objects, the cluster-scoped ones too. ClusterRoles registry-viewer and registry-editor are the
# operator's own, not the chart's, and stay.
source "$(dirname "$0")/lib.sh"

RELEASE=registry-operator
OPERATOR_NS=registry-operator-system
CHART=$SOURCE_ROOT/helm/registry-operator
[[ -x $HELM_BIN/helm ]] || fail "helm not found at $HELM_BIN/helm (hack/build-upstream.sh helm)"
# Helm's cache, config and data of this test only, not the machine user's.
export HELM_CACHE_HOME=$WORK/helm/cache HELM_CONFIG_HOME=$WORK/helm/config HELM_DATA_HOME=$WORK/helm/data
helm() { "$HELM_BIN/helm" "$@"; }
ko() { kubectl -n "$OPERATOR_NS" "$@"; }

namespace_gone() { ! kubectl get namespace "$OPERATOR_NS" >/dev/null 2>&1; }
# The operator pods' logs go where lib.sh's cleanup looks: it fails the test when a Secret's value
# appears there, and shows their end when the test fails. Saved before each step that ends pods.
save_operator_logs() {
  ko logs -l "app.kubernetes.io/instance=$RELEASE" --all-containers --prefix --tail=-1 \
    >>"$OPERATOR_LOG" 2>/dev/null || true
}
remove_release() {
  save_operator_logs
  helm uninstall "$RELEASE" -n "$OPERATOR_NS" --ignore-not-found --wait --timeout 60s >/dev/null 2>&1
  # An install that failed before Helm recorded it leaves no release to uninstall: what the chart
  # made of cluster scope is found by its labels.
  kubectl delete clusterrole,clusterrolebinding --ignore-not-found \
    -l "app.kubernetes.io/instance=$RELEASE,app.kubernetes.io/managed-by=Helm" >/dev/null 2>&1
  kubectl delete namespace "$OPERATOR_NS" --ignore-not-found --wait=false >/dev/null 2>&1
  # The next test (install_manifests.sh) makes a namespace of the same name.
  local deadline=$((SECONDS + 60))
  until namespace_gone || ((SECONDS >= deadline)); do sleep 0.5; done
  namespace_gone || log "namespace $OPERATOR_NS is still terminating after 60 s"
}
made_namespace=false # only what this test made is removed
on_exit() {
  local status=$?
  set +e # else the (exit) below ends the shell before cleanup when the test failed
  if [[ $status -ne 0 ]] && $made_namespace; then
    echo "---- $OPERATOR_NS ----" >&2
    ko get deploy,rs,pods -o wide >&2 2>/dev/null
    helm status "$RELEASE" -n "$OPERATOR_NS" >&2 2>/dev/null
  fi
  $made_namespace && remove_release
  (exit $status)
  cleanup
}
trap on_exit EXIT

# A namespace of that name still terminating (an earlier test that failed to wait for it)
# would refuse the install's objects; one that is not is someone's install, left alone.
phase=$(kubectl get namespace "$OPERATOR_NS" -o 'jsonpath={.status.phase}' 2>/dev/null || true)
[[ -z $phase || $phase == Terminating ]] ||
  fail "namespace $OPERATOR_NS exists ($phase): remove that install first (helm uninstall, or kubectl delete -f manifests/)"
wait_for "namespace $OPERATOR_NS of an earlier test to be gone" 60 namespace_gone
kubectl create namespace "$OPERATOR_NS" >/dev/null
made_namespace=true
kubectl label namespace "$OPERATOR_NS" pod-security.kubernetes.io/enforce=restricted >/dev/null

log "helm install"
# platform=kubernetes: another test may have left the Route CRD, which auto would take for
# OpenShift. The CRD is already installed (lib.sh): Helm skips its crds/ copy.
helm install "$RELEASE" "$CHART" -n "$OPERATOR_NS" --create-namespace \
  --set "image.repository=${OPERATOR_IMAGE%:*},image.tag=${OPERATOR_IMAGE##*:}" \
  --set "registryImage=$REGISTRY_IMAGE,ingressDomain=apps.e2e.test,platform=kubernetes" \
  --wait --timeout 90s >"$WORK/helm-install.log" 2>&1 ||
  fail "helm install failed: $(tail -n 5 "$WORK/helm-install.log")"
grep -q "kubectl -n default apply -f -" "$WORK/helm-install.log" || fail "helm install printed no NOTES"

operator_pods() { ko get pods -l "app.kubernetes.io/instance=$RELEASE" -o "jsonpath={.items[*]$1}" 2>/dev/null || true; }
deployment_ready() {
  [[ $(ko get deploy "$RELEASE" -o 'jsonpath={.status.readyReplicas}/{.status.updatedReplicas}') == 2/2 ]]
}
wait_for "both operator replicas Ready" 30 deployment_ready
only "$NODE_NAME" "$(operator_pods .spec.nodeName)" || fail "operator pods not all on $NODE_NAME"
[[ $(ko get deploy "$RELEASE" -o 'jsonpath={.spec.template.spec.serviceAccountName}') == "$RELEASE" ]] ||
  fail "the Deployment does not run as ServiceAccount $RELEASE"

log "the in-cluster operator brings the sample up"
apply_sample_and_wait
wait_for "image-registry's pods Running on $NODE_NAME" 60 running_on_real_node image-registry

# The upgrade changes two values: the log level, and the namespaces watched, which turns the
# cluster-wide RBAC into a Role in this test's namespace (and a ClusterRole without it); the
# defaultRoute below then proves the Role enough.
log "helm upgrade --set logLevel=debug,watchNamespaces={$NS} rolls the operator"
old_replicasets=$(ko get rs -l "app.kubernetes.io/instance=$RELEASE" -o 'jsonpath={.items[*].metadata.name}')
old_pods=$(operator_pods .metadata.uid)
save_operator_logs
helm upgrade "$RELEASE" "$CHART" -n "$OPERATOR_NS" --reuse-values --set "logLevel=debug,watchNamespaces={$NS}" \
  --wait --timeout 90s >"$WORK/helm-upgrade.log" 2>&1 ||
  fail "helm upgrade failed: $(tail -n 5 "$WORK/helm-upgrade.log")"
new_replicaset() {
  local rs
  for rs in $(ko get rs -l "app.kubernetes.io/instance=$RELEASE" -o 'jsonpath={.items[*].metadata.name}'); do
    [[ " $old_replicasets " == *" $rs "* ]] && continue
    [[ $(ko get rs "$rs" -o 'jsonpath={.status.readyReplicas}') == 2 ]] && return 0
  done
  return 1
}
wait_for "a new ReplicaSet with 2 ready pods" 60 new_replicaset
wait_for "the rollout to finish" 60 deployment_ready
old_pods_gone() {
  local uid uids
  uids=$(operator_pods .metadata.uid)
  for uid in $old_pods; do [[ $uids != *"$uid"* ]] || return 1; done
}
wait_for "the old operator pods to be gone" 60 old_pods_gone
setting() {
  ko get deploy "$RELEASE" -o "jsonpath={.spec.template.spec.containers[0].env[?(@.name==\"REGISTRY_OPERATOR_$1\")].value}"
}
[[ $(setting LOG_LEVEL) == debug ]] || fail "the upgraded Deployment does not set REGISTRY_OPERATOR_LOG_LEVEL=debug"
[[ $(setting NAMESPACE) == "$NS" ]] || fail "the upgraded Deployment does not watch only $NS"
k get role "$RELEASE" >/dev/null 2>&1 || fail "no Role $RELEASE in $NS after the upgrade"
kubectl get clusterrole "$RELEASE" -o jsonpath='{.rules[*].resources}' | grep -q secrets &&
  fail "the ClusterRole still grants Secrets cluster-wide with watchNamespaces set"

log "the upgraded operator keeps reconciling"
k patch regcfg/image-registry --type=merge -p '{"spec":{"defaultRoute":true}}' >/dev/null
wait_for "Ingress image-registry-default-route" 60 exists ingress image-registry-default-route
host="image-registry-default-route-$NS.apps.e2e.test"
[[ $(jsonpath ingress image-registry-default-route '{.spec.rules[0].host}') == "$host" ]] ||
  fail "Ingress host is not $host"
wait_for "image-registry still Available" 30 condition_is image-registry Available True

log "helm uninstall"
save_operator_logs
# The chart's RBAC is enough for the operator running as its ServiceAccount. Writes into the
# namespaces of earlier tests that are still terminating are refused too, with another reason.
refused=$(grep -i forbidden "$OPERATOR_LOG" | grep -v "being terminated" | head -n 1 || true)
[[ -z $refused ]] || fail "the operator was refused something: $refused"
helm uninstall "$RELEASE" -n "$OPERATOR_NS" --wait --timeout 60s >/dev/null ||
  fail "helm uninstall failed"
gone() { ! kubectl "$@" >/dev/null 2>&1; }
for object in "-n $OPERATOR_NS deployment/$RELEASE" "-n $OPERATOR_NS serviceaccount/$RELEASE" \
  "clusterrole/$RELEASE" "clusterrolebinding/$RELEASE"; do
  # shellcheck disable=SC2086 # the namespace flag and the object, split on purpose
  wait_for "$object to be gone" 30 gone get $object
done
# Made by the operator at start (auth type Kubernetes), not by the chart: not Helm's to remove.
for role in registry-viewer registry-editor; do
  kubectl get clusterrole "$role" >/dev/null 2>&1 || fail "ClusterRole $role went with the release"
done
kubectl delete namespace "$OPERATOR_NS" --wait=false >/dev/null
wait_for "namespace $OPERATOR_NS to be deleted" 60 namespace_gone
log "PASS"

#!/usr/bin/env bash
# The administrator's walkthrough, on the real node: apply a RegistryConfig (TLS Auto, a PVC from
# the cluster's default StorageClass, defaultRoute) with kubectl in a namespace that enforces the
# restricted Pod Security Standard; the registry pod really runs on the real node; get the CA with
# `registry-operator ca --certs-d`; push an image built here with skopeo over verified TLS (no
# --tls-verify=false anywhere), pull it back and compare digests; edit the config bundle and see
# the pod replaced while the image survives on the claim; delete the CR and see it all collected.
source "$(dirname "$0")/lib.sh"
kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=restricted >/dev/null
start_operator

name=reg
host="$name.$NS.svc:5000"
printf 'log:\n  fields:\n    walkthrough: first\n' >"$WORK/config.yaml"
# The Quay-style key of OKD's documentation.
k create secret generic reg-bundle --save-config --from-file=config.yaml="$WORK/config.yaml" >/dev/null
k apply -f - >/dev/null <<YAML
apiVersion: imageregistry.io/v1alpha1
kind: RegistryConfig
metadata:
  name: $name
spec:
  defaultRoute: true
  rolloutStrategy: Recreate
  configBundleSecret: reg-bundle
  tls:
    mode: Auto
  storage:
    deleteOnRemove: true
    pvc:
      size: 1Gi
YAML

log "waiting for the registry to be Available with its pod running on $NODE_NAME"
wait_for "$name Available" 180 condition_is "$name" Available True
wait_for "the registry pod Running on $NODE_NAME" 60 running_on_real_node "$name"
[[ $(jsonpath pvc "$name-storage" '{.status.phase}') == Bound ]] || fail "claim $name-storage is not Bound"
[[ $(jsonpath regcfg "$name" '{.status.internalHostname}') == "$host" ]] ||
  fail "status.internalHostname is not $host"

log "trusting the registry's CA: registry-operator ca --certs-d"
certs=$WORK/certs.d
"$OPERATOR" ca --namespace "$NS" --name "$name" --certs-d "$certs" >"$WORK/ca.out"
[[ -s $certs/$host/ca.crt ]] || fail "registry-operator ca wrote no $certs/$host/ca.crt"

log "resolving $name.$NS.svc through the cluster DNS"
ip=$(cluster_dns "$name.$NS.svc.$CLUSTER_DOMAIN")
[[ $ip == "$(jsonpath svc "$name" '{.spec.clusterIP}')" ]] ||
  fail "the cluster DNS answered '$ip' for $name.$NS.svc, not the Service's ClusterIP"
printf '127.0.0.1 localhost\n%s %s.%s.svc\n' "$ip" "$name" "$NS" >"$WORK/hosts"
# kube-proxy routes the Service to the pod a moment after the pod is ready.
answers() { curl -sf --cacert "$certs/$host/ca.crt" --resolve "$host:$ip" "https://$host/v2/" >/dev/null; }
wait_for "the registry to answer through its Service over verified TLS" 60 answers

log "pushing an image built here to $host/team-a/app:1 (TLS verified against that CA)"
digest=$(make_oci_image "$WORK/image" "hello from the walkthrough $RANDOM")
skopeo_() { with_hosts "$WORK/hosts" skopeo --insecure-policy "$@"; }
skopeo_ copy --quiet --dest-cert-dir "$certs/$host" "oci:$WORK/image:1" "docker://$host/team-a/app:1" ||
  fail "push over verified TLS failed"
remote_digest() { skopeo_ inspect --cert-dir "$certs/$host" --format '{{.Digest}}' "docker://$host/team-a/app:1"; }
[[ $(remote_digest) == "$digest" ]] || fail "the registry reports another digest than the one pushed"
skopeo_ copy --quiet --src-cert-dir "$certs/$host" "docker://$host/team-a/app:1" "oci:$WORK/pulled:1" ||
  fail "pull over verified TLS failed"
pulled=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$WORK/pulled/index.json")
[[ $pulled == "$digest" ]] || fail "pulled digest $pulled differs from pushed $digest"
# And a client that does not trust the CA is refused: verification is really on.
if skopeo_ inspect "docker://$host/team-a/app:1" >/dev/null 2>&1; then
  fail "a client without the CA was not refused"
fi

log "editing the config bundle: the pod is replaced, the image stays"
old_uid=$(pods_of "$name" .metadata.uid)
printf 'log:\n  fields:\n    walkthrough: second\n' >"$WORK/config.yaml"
k create secret generic reg-bundle --from-file=config.yaml="$WORK/config.yaml" --dry-run=client -o yaml |
  k apply -f - >/dev/null
replaced() {
  local uids
  uids=$(pods_of "$name" .metadata.uid)
  [[ -n $uids && $uids != *"$old_uid"* ]] && running_on_real_node "$name"
}
wait_for "a new registry pod (old $old_uid gone)" 180 replaced
wait_for "$name Available again" 60 condition_is "$name" Available True
# kube-proxy starts sending the Service's traffic to the new pod a moment after it is ready.
serves_digest() { [[ $(remote_digest 2>/dev/null) == "$digest" ]]; }
wait_for "the new pod to serve the pushed image (the image did not survive the rollout?)" 60 serves_digest

log "deleting the RegistryConfig: everything it made is collected"
volume=$(jsonpath pvc "$name-storage" '{.spec.volumeName}')
k delete regcfg "$name" --wait=true --timeout=60s >/dev/null
collected() {
  [[ -z $(k get deploy,svc,sa,secret,cm,ingress,cronjob,pdb,pvc -l app.kubernetes.io/instance="$name" -o name 2>/dev/null) ]] &&
    [[ -z $(pods_of "$name" .metadata.name) ]] && ! kubectl get pv "$volume" >/dev/null 2>&1
}
wait_for "every object of $name, its pod and its volume to be gone" 180 collected
log "PASS"

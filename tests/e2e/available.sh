#!/usr/bin/env bash
# kubectl apply the sample → every object exists, pods Ready, the CR Available=True.
source "$(dirname "$0")/lib.sh"
start_operator
apply_sample_and_wait

for object in serviceaccount/image-registry secret/image-registry-private secret/image-registry-config \
  secret/image-registry-tls configmap/image-registry-ca service/image-registry \
  deployment/image-registry cronjob/image-registry-pruner; do
  exists "${object%%/*}" "${object#*/}" || fail "$object is missing"
done
[[ $(jsonpath deploy image-registry '{.status.readyReplicas}') == 1 ]] || fail "Deployment has no ready replica"
ready_pods=$(k get pods -l app.kubernetes.io/instance=image-registry \
  -o 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)
[[ $ready_pods == 1 ]] || fail "expected 1 Ready pod, found $ready_pods"
[[ $(jsonpath regcfg image-registry '{.status.readyReplicas}') == 1 ]] || fail "status.readyReplicas"
[[ $(jsonpath regcfg image-registry '{.status.internalHostname}') == "image-registry.$NS.svc:5000" ]] ||
  fail "status.internalHostname"
[[ $(condition image-registry Degraded) == False ]] || fail "Degraded should be False"
[[ $(condition image-registry Progressing) == False ]] || fail "Progressing should be False once rolled out"
hash=$(jsonpath regcfg image-registry '{.status.configHash}')
[[ ${#hash} -eq 64 ]] || fail "status.configHash is not a SHA-256: '$hash'"
[[ $(jsonpath deploy image-registry '{.spec.template.metadata.annotations.imageregistry\.io/config-hash}') == "$hash" ]] ||
  fail "the pod template's config hash differs from status.configHash"
owner=$(jsonpath deploy image-registry '{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].controller}')
[[ $owner == "RegistryConfig/true" ]] || fail "Deployment's controller owner is '$owner'"

# A steady state makes no writes: the resourceVersions stay put across a forced resync.
before=$(k get deploy,svc,secret,cm,cronjob,sa -o 'jsonpath={range .items[*]}{.metadata.resourceVersion} {end}')
count=$(reconcile_count)
k annotate regcfg image-registry e2e/poke=1 >/dev/null  # an event, but no spec change
wait_for "one more reconcile" 30 reconciled_since "$count"
after=$(k get deploy,svc,secret,cm,cronjob,sa -o 'jsonpath={range .items[*]}{.metadata.resourceVersion} {end}')
[[ $before == "$after" ]] || fail "a reconcile with nothing to change wrote objects"
log "PASS"

#!/usr/bin/env bash
# A value the schema lets through but the operator refuses (a zero-sized claim) →
# Degraded=True reason InvalidSpec naming the field, a Warning Event, and nothing changed.
source "$(dirname "$0")/lib.sh"
start_operator
apply_sample_and_wait
generation=$(jsonpath deploy image-registry '{.metadata.generation}')
before=$(k get deploy,svc,secret,cm,cronjob,sa -o 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}')

k patch regcfg/image-registry --type=merge \
  -p '{"spec":{"rolloutStrategy":"Recreate","storage":{"emptyDir":null,"pvc":{"size":"0Gi"}}}}' >/dev/null \
  || fail "the schema refused the patch; this test needs a value only the operator refuses"
wait_for "Degraded=True" 60 condition_is image-registry Degraded True
[[ $(condition_reason image-registry Degraded) == InvalidSpec ]] || fail "Degraded reason is not InvalidSpec"
message=$(jsonpath regcfg image-registry '{.status.conditions[?(@.type=="Degraded")].message}')
[[ $message == *spec.storage.pvc.size* ]] || fail "the condition does not name the field: $message"
warning() { k get events.events.k8s.io --field-selector reason=InvalidSpec,type=Warning -o name | grep -q .; }
wait_for "a Warning Event InvalidSpec" 30 warning

after=$(k get deploy,svc,secret,cm,cronjob,sa -o 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}')
[[ $before == "$after" ]] || fail "objects changed for an invalid spec"
absent pvc image-registry-storage || fail "a claim was created for an invalid spec"
[[ $(jsonpath deploy image-registry '{.metadata.generation}') == "$generation" ]] || fail "Deployment changed"

# Fixing the spec clears the condition.
k patch regcfg/image-registry --type=merge \
  -p '{"spec":{"rolloutStrategy":"RollingUpdate","storage":{"pvc":null,"emptyDir":{}}}}' >/dev/null
wait_for "Degraded=False after the fix" 60 condition_is image-registry Degraded False
log "PASS"

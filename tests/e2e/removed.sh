#!/usr/bin/env bash
# managementState Removed deletes the operator's objects and says so in the conditions;
# Managed brings them back.
source "$(dirname "$0")/lib.sh"
start_operator
apply_sample_and_wait
k patch regcfg/image-registry --type=merge -p '{"spec":{"managementState":"Removed"}}' >/dev/null
for object in deployment/image-registry service/image-registry secret/image-registry-config \
  cronjob/image-registry-pruner serviceaccount/image-registry; do
  wait_for "$object deleted" 60 absent "${object%%/*}" "${object#*/}"
done
wait_for "Available=False reason Removed" 60 bash -c "[[ \$(\"$K8S_BIN/kubectl\" -n $NS get regcfg image-registry -o 'jsonpath={.status.conditions[?(@.type==\"Available\")].reason}') == Removed ]]"
[[ $(condition image-registry Available) == False ]] || fail "Available should be False"
[[ $(condition image-registry Degraded) == False ]] || fail "Degraded should be False"

k patch regcfg/image-registry --type=merge -p '{"spec":{"managementState":"Managed"}}' >/dev/null
wait_for "Available again" 120 condition_is image-registry Available True

# The operator's claim is kept on Removed, unless storage.deleteOnRemove says otherwise, even
# when both are set in the same edit.
k patch regcfg/image-registry --type=merge -p \
  '{"spec":{"rolloutStrategy":"Recreate","storage":{"emptyDir":null,"pvc":{"size":"1Gi"}}}}' >/dev/null
wait_for "claim image-registry-storage" 60 exists pvc image-registry-storage
k patch regcfg/image-registry --type=merge -p '{"spec":{"managementState":"Removed"}}' >/dev/null
wait_for "Deployment deleted" 60 absent deployment image-registry
exists pvc image-registry-storage || fail "Removed deleted the registry's data claim"
k patch regcfg/image-registry --type=merge -p '{"spec":{"managementState":"Managed"}}' >/dev/null
wait_for "Deployment back" 60 exists deployment image-registry
k patch regcfg/image-registry --type=merge -p \
  '{"spec":{"managementState":"Removed","storage":{"deleteOnRemove":true}}}' >/dev/null
wait_for "claim deleted with deleteOnRemove" 90 absent pvc image-registry-storage
log "PASS"

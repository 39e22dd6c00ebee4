#!/usr/bin/env bash
# More than one replica (on shared storage) → PodDisruptionBudget N with minAvailable 1; scaled
# back to one replica → the PodDisruptionBudget is deleted.
source "$(dirname "$0")/lib.sh"
start_operator
apply_sample_and_wait
absent pdb image-registry || fail "a single replica must have no PodDisruptionBudget"
# Two replicas need shared storage: a ReadWriteMany claim (it stays Pending here: kwok has no
# storage provisioner, which does not matter for the objects under test).
k patch regcfg/image-registry --type=merge -p \
  '{"spec":{"replicas":2,"storage":{"emptyDir":null,"pvc":{"accessModes":["ReadWriteMany"]}}}}' >/dev/null
wait_for "PodDisruptionBudget image-registry" 60 exists pdb image-registry
[[ $(jsonpath pdb image-registry '{.spec.minAvailable}') == 1 ]] || fail "minAvailable is not 1"
wait_for "claim image-registry-storage" 60 exists pvc image-registry-storage
[[ $(jsonpath deploy image-registry '{.spec.replicas}') == 2 ]] || fail "Deployment not scaled to 2"
k patch regcfg/image-registry --type=merge -p '{"spec":{"replicas":1}}' >/dev/null
wait_for "PodDisruptionBudget deleted" 60 absent pdb image-registry
log "PASS"

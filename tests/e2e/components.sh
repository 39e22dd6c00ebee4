#!/usr/bin/env bash
# Components do what they say: `autoscaling` creates HorizontalPodAutoscaler N (the Deployment's
# replicas are then left to it) and switching it off deletes it; a component the operator does
# not carry out yet (`monitoring`) is refused in status, Degraded with its own reason, while the
# rest of that registry is still applied and serves.
source "$(dirname "$0")/lib.sh"
kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=restricted >/dev/null
start_operator

k apply -f - >/dev/null <<YAML
apiVersion: imageregistry.io/v1alpha1
kind: RegistryConfig
metadata:
  name: scaled
spec:
  storage: {emptyDir: {}}
  autoscaling: {minReplicas: 1, maxReplicas: 1, targetCPUUtilizationPercentage: 60}
  components:
    - {kind: autoscaling, managed: true}
---
apiVersion: imageregistry.io/v1alpha1
kind: RegistryConfig
metadata:
  name: watched
spec:
  storage: {emptyDir: {}}
  components:
    - {kind: monitoring, managed: true}
YAML

wait_for "HorizontalPodAutoscaler scaled" 60 exists hpa scaled
[[ $(jsonpath hpa scaled '{.spec.scaleTargetRef.kind}/{.spec.scaleTargetRef.name}') == Deployment/scaled ]] ||
  fail "the HPA does not target Deployment scaled"
[[ $(jsonpath hpa scaled '{.spec.minReplicas}-{.spec.maxReplicas}') == 1-1 ]] || fail "the HPA's bounds are not 1-1"
[[ $(jsonpath hpa scaled '{.spec.metrics[0].resource.target.averageUtilization}') == 60 ]] ||
  fail "the HPA does not scale at 60% CPU"
wait_for "scaled Available" 120 condition_is scaled Available True
# The operator does not own spec.replicas: the autoscaler does.
owners=$(k get deployment scaled --show-managed-fields -o json | python3 -c '
import json, sys
for entry in json.load(sys.stdin)["metadata"].get("managedFields", []):
    if "f:replicas" in entry.get("fieldsV1", {}).get("f:spec", {}):
        print(entry["manager"])')
[[ $owners != *registry-operator* ]] || fail "registry-operator still owns the Deployment's replicas"

degraded_because() { [[ $(condition_reason "$1" Degraded) == "$2" ]]; }
wait_for "watched Degraded (ComponentNotSupported)" 60 degraded_because watched ComponentNotSupported
condition_is watched Degraded True || fail "watched is not Degraded"
[[ $(jsonpath regcfg watched '{.status.conditions[?(@.type=="Degraded")].message}') == *monitoring* ]] ||
  fail "the Degraded message does not name monitoring"
wait_for "watched still Available (the rest of it applied)" 120 condition_is watched Available True

log "switching autoscaling off deletes the HPA"
k patch regcfg scaled --type merge -p '{"spec":{"components":[]}}' >/dev/null
wait_for "HorizontalPodAutoscaler scaled to go" 60 absent hpa scaled
log "PASS"

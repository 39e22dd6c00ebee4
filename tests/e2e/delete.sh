#!/usr/bin/env bash
# kubectl delete the CR → every owned object is garbage-collected (ownerReferences).
source "$(dirname "$0")/lib.sh"
start_operator
apply_sample_and_wait
k patch regcfg/image-registry --type=merge -p '{"spec":{"defaultRoute":true}}' >/dev/null
wait_for "Ingress" 60 exists ingress image-registry-default-route
k delete regcfg image-registry --wait=true --timeout=60s >/dev/null
owned() { k get deploy,svc,secret,cm,cronjob,sa,ingress,pdb,pvc -l app.kubernetes.io/managed-by=registry-operator -o name 2>/dev/null; }
none_left() { [[ -z $(owned) ]]; }
wait_for "every owned object collected" 120 none_left
log "PASS"

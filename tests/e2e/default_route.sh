#!/usr/bin/env bash
# defaultRoute true → Ingress N-default-route with host N-default-route-S.<domain>, listed in
# status.externalHostnames; false → the Ingress is deleted and the list empties.
source "$(dirname "$0")/lib.sh"
start_operator
apply_sample_and_wait

k patch regcfg/image-registry --type=merge -p '{"spec":{"defaultRoute":true}}' >/dev/null
wait_for "Ingress image-registry-default-route" 60 exists ingress image-registry-default-route
host="image-registry-default-route-$NS.apps.e2e.test"
[[ $(jsonpath ingress image-registry-default-route '{.spec.rules[0].host}') == "$host" ]] ||
  fail "Ingress host is not $host"
[[ $(jsonpath ingress image-registry-default-route '{.spec.rules[0].http.paths[0].backend.service.name}') == image-registry ]] ||
  fail "Ingress does not route to Service image-registry"
external() { [[ $(jsonpath regcfg image-registry '{.status.externalHostnames[*]}') == "$1" ]]; }
wait_for "externalHostnames = $host" 60 external "$host"

k patch regcfg/image-registry --type=merge -p '{"spec":{"defaultRoute":false}}' >/dev/null
wait_for "Ingress removed" 60 absent ingress image-registry-default-route
wait_for "externalHostnames empty" 60 external ""
log "PASS"

#!/usr/bin/env bash
# With the Route CRD installed and --platform=openshift, defaultRoute makes a reencrypt Route
# N-default-route whose router-assigned host (status.ingress[].host) shows in externalHostnames.
source "$(dirname "$0")/lib.sh"
kubectl apply -f "$SOURCE_ROOT/tests/e2e/testdata/route-crd.yaml" >/dev/null
wait_for "the Route CRD to be established" 60 crd_established routes.route.openshift.io
PLATFORM=openshift start_operator
k apply -f "$SOURCE_ROOT/crds/samples/registryconfig.yaml" >/dev/null
k patch regcfg/image-registry --type=merge -p '{"spec":{"defaultRoute":true}}' >/dev/null
wait_for "Route image-registry-default-route" 60 exists route image-registry-default-route
[[ $(jsonpath route image-registry-default-route '{.spec.tls.termination}') == reencrypt ]] ||
  fail "the default Route is not reencrypt"
[[ $(jsonpath route image-registry-default-route '{.spec.to.name}') == image-registry ]] ||
  fail "the Route does not point at Service image-registry"
# Play the router: admit the Route with a host, as OpenShift's ingress controller would.
host="image-registry-default-route-$NS.apps.openshift.test"
k patch route image-registry-default-route --subresource=status --type=merge \
  -p "{\"status\":{\"ingress\":[{\"host\":\"$host\",\"routerName\":\"default\"}]}}" >/dev/null
external() { [[ $(jsonpath regcfg image-registry '{.status.externalHostnames[*]}') == "$1" ]]; }
wait_for "externalHostnames = $host" 60 external "$host"
k patch regcfg/image-registry --type=merge -p '{"spec":{"defaultRoute":false}}' >/dev/null
wait_for "Route removed" 60 absent route image-registry-default-route
kubectl delete -f "$SOURCE_ROOT/tests/e2e/testdata/route-crd.yaml" --wait=false >/dev/null
log "PASS"

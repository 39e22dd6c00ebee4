#!/usr/bin/env bash
# A hand edit of a field the operator owns (the Service port) is reverted; under
# managementState Unmanaged the same edit is left alone.
source "$(dirname "$0")/lib.sh"
start_operator
apply_sample_and_wait
port() { [[ $(jsonpath svc image-registry '{.spec.ports[0].port}') == "$1" ]]; }
port 5000 || fail "Service port is not 5000"

k patch svc image-registry --type=json -p '[{"op":"replace","path":"/spec/ports/0/port","value":5999}]' >/dev/null
wait_for "Service port reverted to 5000" 60 port 5000

count=$(reconcile_count)
k patch regcfg/image-registry --type=merge -p '{"spec":{"managementState":"Unmanaged"}}' >/dev/null
wait_for "the Unmanaged reconcile" 30 reconciled_since "$count"
count=$(reconcile_count)
k patch svc image-registry --type=json -p '[{"op":"replace","path":"/spec/ports/0/port","value":5999}]' >/dev/null
wait_for "a reconcile after the edit" 30 reconciled_since "$count"
port 5999 || fail "an Unmanaged registry's Service was changed"

k patch regcfg/image-registry --type=merge -p '{"spec":{"managementState":"Managed"}}' >/dev/null
wait_for "Service port reverted once Managed again" 60 port 5000
log "PASS"

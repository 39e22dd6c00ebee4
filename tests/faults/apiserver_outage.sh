#!/usr/bin/env bash
# kube-apiserver down when the operator starts, and down for 20 s in the middle of a change to
# every RegistryConfig: the operator waits it out (no restart) and converges, with no duplicate
# or orphaned object and no pod rolled.
source "$(dirname "$0")/lib.sh"
create_registries

APISERVER_TOUCHED=true
"$CONTROLPLANE" stop-apiserver >/dev/null 2>&1
start_operator_detached
sleep 20
operator_alive || fail "the operator exited while the apiserver was down at start"
"$CONTROLPLANE" start-apiserver >/dev/null 2>&1
wait_converged 300
operator_alive || fail "the operator restarted"

# Every CR gains a default route (an Ingress each, nothing the pods read); the apiserver goes
# away while the operator is making them.
create_registries "  defaultRoute: true"
wait_for "the first Ingress" 60 some_ingress
log "apiserver down with $(ingress_count)/$COUNT Ingresses made"
apiserver_down 20
wait_converged 300 true
operator_alive || fail "the operator restarted"
log "PASS"

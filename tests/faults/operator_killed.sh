#!/usr/bin/env bash
# The operator SIGKILLed in the middle of its first convergence and of a change to every
# RegistryConfig, then started again: it converges with no duplicate or orphaned object and no
# pod rolled (a second httpSecret or CA would roll them).
source "$(dirname "$0")/lib.sh"
create_registries
start_operator_detached
wait_for "a few RegistryConfigs Available" 120 at_least_available 5
kill -KILL "$operator_pid"
wait "$operator_pid" 2>/dev/null || true
log "killed with $(converged_count)/$COUNT Available"
start_operator_detached
wait_converged 300

create_registries "  defaultRoute: true"
wait_for "the first Ingress" 60 some_ingress
kill -KILL "$operator_pid"
wait "$operator_pid" 2>/dev/null || true
log "killed with $(ingress_count)/$COUNT Ingresses made"
start_operator_detached
wait_converged 300 true
log "PASS"

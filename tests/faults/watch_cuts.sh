#!/usr/bin/env bash
# Every connection between the operator and kube-apiserver, watches included, cut at random
# after 0.5-5 s by a TCP proxy: the operator converges anyway, on creation and on a change to
# every RegistryConfig, without restarting and without rolling a pod.
source "$(dirname "$0")/lib.sh"
proxied_kubeconfig cut "$WORK/proxied.kubeconfig"

create_registries
KUBECONFIG="$WORK/proxied.kubeconfig" start_operator_detached
wait_converged 300
create_registries "  defaultRoute: true"
wait_converged 300 true
operator_alive || fail "the operator restarted"
cuts=$(grep -c -i "watch.*\(closed\|failed\|error\)\|retrying" "$OPERATOR_LOG" || true)
log "converged through the proxy; $cuts log lines about cut connections"
((cuts > 0)) || fail "no connection was cut: the test did not test anything"
log "PASS"

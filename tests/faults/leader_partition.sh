#!/usr/bin/env bash
# Two --leader-elect replicas; the leader reaches kube-apiserver through a proxy that, in the
# middle of the convergence of a hundred RegistryConfigs, stops forwarding anything (its lease
# renewals hang rather than fail). The leader gives up the lease by its renew deadline and
# exits, even with informers stuck in reads of the stalled watches (the stop deadline); the other
# replica takes over and converges.
source "$(dirname "$0")/lib.sh"
create_registries
proxied_kubeconfig stall "$WORK/partitioned.kubeconfig"
start_replica a "$WORK/partitioned.kubeconfig"
wait_for "a to lead" 60 leading a
start_replica b
wait_for "a few RegistryConfigs Available" 120 at_least_available 5
kill -USR1 "$PROXY_PID"
log "a's network stalled with $(converged_count)/$COUNT Available"
# Within the renew deadline (10 s) plus the operator's stop deadline (40 s), with room for a
# loaded machine.
wait_for "the partitioned leader to give up and exit" 90 exited a
grep -q "leadership lost; stopping" "$WORK/a.replica.log" || fail "the partitioned leader did not say it lost the lease"
wait_for "b to lead" 60 leading b
wait_converged 300
log "PASS"

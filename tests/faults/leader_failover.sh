#!/usr/bin/env bash
# Two --leader-elect replicas over a hundred RegistryConfigs. The leader SIGKILLed in the middle
# of the first convergence: the standby takes over and converges. Then the new leader frozen
# (SIGSTOP: its renewals hang) in the middle of a change to every CR: a fresh standby takes over
# and converges; thawed, the stale leader finds its lease gone and exits.
source "$(dirname "$0")/lib.sh"
create_registries
start_replica a
start_replica b
wait_for "exactly one leader" 60 one_leader a b
first=$(leader_among a b)
second=$([[ $first == a ]] && echo b || echo a)
wait_for "a few RegistryConfigs Available" 120 at_least_available 5
kill -KILL "${pid[$first]}"
log "leader $first killed with $(converged_count)/$COUNT Available"
wait_for "$second to lead" 60 leading "$second"
wait_converged 300

start_replica c
create_registries "  defaultRoute: true"
wait_for "the first Ingress" 60 some_ingress
kill -STOP "${pid[$second]}"
log "leader $second frozen with $(ingress_count)/$COUNT Ingresses made"
wait_for "c to lead" 60 leading c
wait_converged 300 true
lines_before=$(wc -l <"$WORK/$second.replica.log")
kill -CONT "${pid[$second]}"
wait_for "the thawed leader to exit" 60 exited "$second"
late_writes=$(tail -n +"$((lines_before + 1))" "$WORK/$second.replica.log" | grep -c ": applied " || true)
log "the thawed leader applied $late_writes batches before it exited"
grep -q "leadership lost" "$WORK/$second.replica.log" || fail "the thawed leader did not say it lost the lease"
wait_converged 120 true
log "PASS"

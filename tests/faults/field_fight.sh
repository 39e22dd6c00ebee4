#!/usr/bin/env bash
# A second writer fighting the operator over one Deployment field: it takes spec.replicas with a
# forced server-side apply a hundred times. The operator takes the field back each time at a
# bounded rate (about one apply per rival write, no hot loop), loses no update (a change to the
# CR made during the fight, logLevel, is rolled out), and the other registries are untouched.
source "$(dirname "$0")/lib.sh"
COUNT=${FAULT_FIGHT_REGISTRIES:-5}
create_registries
start_operator
wait_converged 300
patches() {
  curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" |
    awk '/^rest_client_requests_total\{.*verb="PATCH"/ {sum += $NF} END {print sum + 0}'
}
rival() {
  k apply --server-side --force-conflicts --field-manager=rival -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: r-0}
spec: {replicas: $1}
YAML
}
hash_before=$(jsonpath regcfg r-0 '{.status.configHash}')
before=$(patches)
rival_writes=100
for ((i = 0; i < rival_writes; i++)); do
  rival 3
  # Half-way, the user changes the CR: that update must not be lost in the fight.
  ((i == rival_writes / 2)) && k patch regcfg r-0 --type=merge -p '{"spec":{"logLevel":"Debug"}}' >/dev/null
  sleep 0.1
done
fight_over() {
  [[ $(jsonpath deploy r-0 '{.spec.replicas}') == 1 &&
     $(jsonpath deploy r-0 '{.spec.template.metadata.annotations.imageregistry\.io/config-hash}') == \
     "$(jsonpath regcfg r-0 '{.status.configHash}')" &&
     $(jsonpath regcfg r-0 '{.status.observedGeneration}') == "$(jsonpath regcfg r-0 '{.metadata.generation}')" ]]
}
wait_for "the Deployment back at one replica, with the CR's change rolled out" 60 fight_over
[[ $(jsonpath regcfg r-0 '{.status.configHash}') != "$hash_before" ]] || fail "the change made during the fight was lost"
operator_patches=$(($(patches) - before))
# Each rival write scales the Deployment up and back, and the status of r-0 follows its ready
# replicas (status writes are PATCHes too); the Deployment itself is applied once per take-back.
takebacks=$(grep -c "registryconfig $NS/r-0: applied .*Deployment r-0" "$OPERATOR_LOG" || true)
log "rival writes: $rival_writes; operator applies of the Deployment: $takebacks; all its PATCH requests: $operator_patches"
((takebacks >= 2)) || fail "the operator never took the field back"
((takebacks <= rival_writes + 10)) || fail "the operator applied the Deployment $takebacks times against $rival_writes rival writes"
((operator_patches <= 10 * rival_writes)) || fail "the operator sent $operator_patches PATCH requests: a hot loop"
# r-0 rolled once, for its logLevel; the others not at all.
ROLLOUTS_ALLOWED=true wait_converged 120
(($(replicaset_count r-0) == 2)) || fail "r-0 has $(replicaset_count r-0) ReplicaSets, expected 2"
(($(k get rs -o name | wc -l) == COUNT + 1)) || fail "a registry not in the fight rolled its pods"
operator_alive || fail "the operator restarted"
log "PASS"

#!/usr/bin/env bash
# A second writer fighting the operator over one Deployment field: it takes spec.replicas with a
# forced server-side apply a hundred times. The operator takes the field back each time at a
# bounded rate (about one apply per rival write, no hot loop), loses no update (a change to the
# CR made during the fight is what the Deployment ends with), and the other registries are
# untouched.
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
before=$(patches)
rival_writes=100
for ((i = 0; i < rival_writes; i++)); do
  rival 3
  # Half-way, the user changes the CR: that update must not be lost in the fight.
  ((i == rival_writes / 2)) && k patch regcfg r-0 --type=merge -p '{"spec":{"replicas":2}}' >/dev/null
  sleep 0.1
done
replicas_are() { [[ $(jsonpath deploy r-0 '{.spec.replicas}') == "$1" ]]; }
wait_for "the Deployment back at the CR's replicas" 60 replicas_are 2
operator_patches=$(($(patches) - before))
log "rival writes: $rival_writes; operator PATCH requests meanwhile: $operator_patches"
((operator_patches <= 2 * rival_writes + 20)) || fail "the operator wrote $operator_patches times against $rival_writes rival writes"
((operator_patches >= 1)) || fail "the operator never took the field back"
wait_converged 120
operator_alive || fail "the operator restarted"
log "PASS"

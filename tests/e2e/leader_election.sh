#!/usr/bin/env bash
# Two operator processes with --leader-elect: exactly one leads and reconciles; when the leader
# is killed (no release), the other takes over and reconciles a new RegistryConfig.
source "$(dirname "$0")/lib.sh"

declare -A pid metrics
start_replica() {
  local name=$1
  metrics[$name]=$(free_port)
  "$OPERATOR" run --namespace "$NS" --platform kubernetes --leader-elect \
    --leader-election-namespace "$NS" --metrics-addr "127.0.0.1:${metrics[$name]}" \
    --registry-image "$REGISTRY_IMAGE" --operator-image "$OPERATOR_IMAGE" \
    --health-addr "" >>"$WORK/$name.log" 2>&1 &
  pid[$name]=$!
}
leading() { curl -sf "http://127.0.0.1:${metrics[$1]}/metrics" | grep -q '^leader_election_master_status{.*} 1'; }
leader() {
  for name in a b; do
    if leading "$name"; then echo "$name"; fi
  done
}
one_leader() { [[ $(leader | wc -l) == 1 ]]; }
stop_replicas() {
  for name in "${!pid[@]}"; do kill -9 "${pid[$name]}" 2>/dev/null || true; done
}
on_exit() {
  local status=$?
  set +e # else the (exit) below ends the shell before cleanup when the test failed
  stop_replicas
  if [[ $status -ne 0 ]]; then
    for log_file in "$WORK"/a.log "$WORK"/b.log; do
      echo "---- $(basename "$log_file") ----" >&2
      tail -n 30 "$log_file" >&2 2>/dev/null || true
    done
  fi
  (exit $status)
  cleanup
}
trap on_exit EXIT

start_replica a
start_replica b
wait_for "exactly one leader" 60 one_leader
first=$(leader)
other=$([[ $first == a ]] && echo b || echo a)
log "leader: $first"
k apply -f "$SOURCE_ROOT/crds/samples/registryconfig.yaml" >/dev/null
wait_for "image-registry Available" 120 condition_is image-registry Available True
grep -q "applied" "$WORK/$first.log" || fail "the leader did not reconcile"
! grep -q "applied" "$WORK/$other.log" || fail "the standby reconciled"

kill -9 "${pid[$first]}"
unset "pid[$first]"
# Takeover waits for the lease (15 s) to expire; allow generously for a loaded machine.
wait_for "the standby to lead" 60 leading "$other"
sed 's/name: image-registry/name: second-registry/' "$SOURCE_ROOT/crds/samples/registryconfig.yaml" | k apply -f - >/dev/null
wait_for "second-registry Available under the new leader" 120 condition_is second-registry Available True
grep -q "second-registry: applied" "$WORK/$other.log" || fail "the new leader did not reconcile"
log "PASS"

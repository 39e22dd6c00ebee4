#!/usr/bin/env bash
# The pruner on the real node, as an administrator runs it between two schedules:
# `kubectl create job --from=cronjob/N-pruner` runs `registry-operator prune` from the operator's
# image against the registry (through its Service, TLS verified against N-ca), the Job
# succeeds, and the registry then holds exactly what spec.pruning keeps: here the newest tag of
# each repository (keepTagRevisions 1), since every image is older than keepYoungerThan; the
# run is reported in status.lastPrune.
source "$(dirname "$0")/lib.sh"
kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=restricted >/dev/null
start_operator

name=reg
host="$name.$NS.svc:5000"
k apply -f - >/dev/null <<YAML
apiVersion: imageregistry.io/v1alpha1
kind: RegistryConfig
metadata:
  name: $name
spec:
  tls: {mode: Auto}
  storage: {emptyDir: {}}
  pruning:
    schedule: "0 0 1 1 *"
    keepTagRevisions: 1
    keepYoungerThan: 1h
YAML
wait_for "$name Available" 180 condition_is "$name" Available True
wait_for "CronJob $name-pruner" 30 exists cronjob "$name-pruner"

reach_registry "$name"

log "pushing three tags of two repositories, created months apart"
push() { # REPO TAG CREATED
  local dir=$WORK/image-$1-$2
  make_oci_image "$dir" "$1:$2 $RANDOM" "$3" >/dev/null
  registry_skopeo copy --quiet --dest-cert-dir "$REGISTRY_CERTS" "oci:$dir:1" "docker://$host/$1:$2" ||
    fail "push of $1:$2 failed"
}
push team-a/app 1 2026-01-01T00:00:00Z
push team-a/app 2 2026-02-01T00:00:00Z
push team-a/app 3 2026-03-01T00:00:00Z
push team-b/tool v1 2026-04-01T00:00:00Z
push team-b/tool v2 2026-05-01T00:00:00Z
tags() { registry_skopeo list-tags --cert-dir "$REGISTRY_CERTS" "docker://$host/$1" | python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["Tags"] or [])))'; }
[[ $(tags team-a/app) == "1 2 3" ]] || fail "team-a/app holds $(tags team-a/app) before pruning"

log "kubectl create job --from=cronjob/$name-pruner"
k create job prune-now --from="cronjob/$name-pruner" >/dev/null
wait_for "the prune Job to succeed" 120 job_succeeded prune-now
[[ $(k get pods -l job-name=prune-now -o 'jsonpath={.items[0].spec.nodeName}') == "$NODE_NAME" ]] ||
  fail "the prune Job did not run on $NODE_NAME"
summary=$(k logs job/prune-now 2>/dev/null | grep '^{' | tail -n 1) || true
log "prune said: $summary"
python3 -c 'import json,sys; s = json.loads(sys.argv[1]); sys.exit(0 if s["manifestsDeleted"] == 3 and not s["dryRun"] else 1)' \
  "$summary" || fail "the summary does not report 3 manifests deleted: $summary"
[[ $(tags team-a/app) == 3 ]] || fail "team-a/app holds '$(tags team-a/app)', not just 3"
[[ $(tags team-b/tool) == v2 ]] || fail "team-b/tool holds '$(tags team-b/tool)', not just v2"

# The run reported in the CR's status, as its own field manager, with the pod's ServiceAccount.
k get regcfg "$name" -o json --show-managed-fields >"$WORK/cr.json"
python3 - "$WORK/cr.json" <<'PY' || fail "status.lastPrune does not report the run: $(k get regcfg "$name" -o 'jsonpath={.status.lastPrune}')"
import json, sys
cr = json.load(open(sys.argv[1]))
last = cr["status"]["lastPrune"]
assert last["manifestsDeleted"] == 3 and last["repositories"] == 2, last
assert last["time"] and "message" not in last, last
managers = {(f["manager"], f.get("subresource")) for f in cr["metadata"]["managedFields"]}
assert ("registry-operator-pruner", "status") in managers, managers
PY
[[ $(k get pods -l job-name=prune-now -o 'jsonpath={.items[0].spec.serviceAccountName}') == "$name-jobs" ]] ||
  fail "the prune Job does not run as ServiceAccount $name-jobs"
log "PASS"

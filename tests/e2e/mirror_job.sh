#!/usr/bin/env bash
# Mirroring on the real node, as OKD's scheduled ImageStream import: registry `reg` mirrors a
# repository of registry `up` (TLS, its CA given through spec.mirrors[].caSecret) and one of
# registry `plain` (plain HTTP, insecure: true). `kubectl create job --from=cronjob/reg-mirror-X`
# runs `registry-operator mirror` from the operator's image (the plain-HTTP one with a Warning
# Event); the tags land in `reg` with the
# digests they have upstream, status.mirrors says so under each mirror's own field manager, a
# second run imports nothing, a tag moved upstream is imported again, and a mirror taken out of
# the spec loses its CronJob and its status entry.
source "$(dirname "$0")/lib.sh"
kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=restricted >/dev/null
start_operator

registry() { # NAME TLS_MODE [MIRRORS_YAML]
  k apply -f - >/dev/null <<YAML
apiVersion: imageregistry.io/v1alpha1
kind: RegistryConfig
metadata:
  name: $1
spec:
  tls: {mode: $2}
  storage: {emptyDir: {}}
  components: [{kind: pruner, managed: false}]
${3:-}
YAML
}
registry up Auto
registry plain Disabled
wait_for "up Available" 180 condition_is up Available True
wait_for "plain Available" 180 condition_is plain Available True
# The CA the source's certificate chains to, as an administrator hands it over.
k create secret generic up-ca --from-literal=ca.crt="$(k get configmap up-ca -o 'jsonpath={.data.ca\.crt}')" >/dev/null
registry reg Auto "  mirrors:
    - name: app
      source: up.$NS.svc:5000/team-a/app
      tags: ['1', '2']
      target: mirrored/app
      caSecret: up-ca
    - name: tool
      source: plain.$NS.svc:5000/team-b/tool
      tags: [v1]
      insecure: true"
wait_for "reg Available" 180 condition_is reg Available True
# Plain HTTP works, and is said out loud.
insecure_warning() {
  local events
  events=$(k get events.events.k8s.io --field-selector reason=MirrorInsecure,type=Warning -o name)
  [[ -n $events ]]
}
wait_for "a MirrorInsecure Warning Event" 30 insecure_warning
wait_for "CronJob reg-mirror-app" 30 exists cronjob reg-mirror-app
wait_for "CronJob reg-mirror-tool" 30 exists cronjob reg-mirror-tool

# The jobs' identity may report in this CR's status and do nothing else.
can() { kubectl auth can-i --as="system:serviceaccount:$NS:reg-jobs" -n "$NS" "$@" 2>/dev/null || true; }
[[ $(can patch registryconfigs.imageregistry.io/reg --subresource=status) == yes ]] ||
  fail "reg-jobs cannot patch the status of reg"
[[ $(can patch registryconfigs.imageregistry.io/up --subresource=status) == no ]] ||
  fail "reg-jobs may patch the status of another RegistryConfig"
[[ $(can get secrets) == no ]] || fail "reg-jobs may read Secrets"

reach_registry plain http
reach_registry up
UP_CERTS=$REGISTRY_CERTS
reach_registry reg
REG_CERTS=$REGISTRY_CERTS

push() { # HOST REPO TAG CONTENT [skopeo options]
  local dir="$WORK/image-${2//\//-}-$3-$RANDOM"
  make_oci_image "$dir" "$4" >/dev/null
  registry_skopeo copy --quiet "${@:5}" "oci:$dir:1" "docker://$1/$2:$3" >&2 || fail "push of $1/$2:$3 failed"
}
digest() { # HOST/REPO:TAG [skopeo options]
  registry_skopeo inspect --raw "${@:2}" "docker://$1" | sha256sum | awk '{print "sha256:" $1}'
}
log "pushing team-a/app:1 and :2 to up, team-b/tool:v1 to plain"
push "up.$NS.svc:5000" team-a/app 1 "app one" --dest-cert-dir "$UP_CERTS"
push "up.$NS.svc:5000" team-a/app 2 "app two" --dest-cert-dir "$UP_CERTS"
push "plain.$NS.svc:5000" team-b/tool v1 "tool one" --dest-tls-verify=false
up1=$(digest "up.$NS.svc:5000/team-a/app:1" --cert-dir "$UP_CERTS")
up2=$(digest "up.$NS.svc:5000/team-a/app:2" --cert-dir "$UP_CERTS")
tool1=$(digest "plain.$NS.svc:5000/team-b/tool:v1" --tls-verify=false)

run_mirror() { # MIRROR JOB
  k create job "$2" --from="cronjob/reg-mirror-$1" >/dev/null
  wait_for "Job $2 to succeed" 120 job_succeeded "$2"
  [[ $(k get pods -l "job-name=$2" -o 'jsonpath={.items[0].spec.nodeName}') == "$NODE_NAME" ]] ||
    fail "Job $2 did not run on $NODE_NAME"
  k logs "job/$2" 2>/dev/null | grep '^{' | tail -n 1
}
# check_status MIRROR TAG=DIGEST...: status.mirrors[MIRROR] lists exactly these tags and digests,
# written by the mirror's own field manager; prints its lastImport.
check_status() {
  k get regcfg reg -o json --show-managed-fields >"$WORK/cr.json"
  python3 - "$WORK/cr.json" "$@" <<'PY' || fail "status.mirrors does not report mirror $1: $(k get regcfg reg -o 'jsonpath={.status.mirrors}')"
import json, sys
cr = json.load(open(sys.argv[1]))
name, expected = sys.argv[2], dict(arg.split("=", 1) for arg in sys.argv[3:])
entry = next(e for e in cr["status"].get("mirrors", []) if e["name"] == name)
assert {t["tag"]: t.get("digest") for t in entry["tags"]} == expected, entry
assert entry["lastImport"] and "message" not in entry, entry
managers = {(f["manager"], f.get("subresource")) for f in cr["metadata"]["managedFields"]}
assert ("registry-operator-mirror-" + name, "status") in managers, managers
print(entry["lastImport"])
PY
}

log "kubectl create job --from=cronjob/reg-mirror-app"
summary=$(run_mirror app app-first)
log "mirror said: $summary"
[[ $(digest "reg.$NS.svc:5000/mirrored/app:1" --cert-dir "$REG_CERTS") == "$up1" ]] || fail "mirrored/app:1 does not have up's digest $up1"
[[ $(digest "reg.$NS.svc:5000/mirrored/app:2" --cert-dir "$REG_CERTS") == "$up2" ]] || fail "mirrored/app:2 does not have up's digest $up2"
first_import=$(check_status app "1=$up1" "2=$up2")
[[ $(jsonpath regcfg reg '{.status.mirrors[?(@.name=="app")].source}') == "up.$NS.svc:5000/team-a/app" ]] ||
  fail "status.mirrors[app].source is not the source"

log "the plain-HTTP mirror, and the status says it is insecure"
run_mirror tool tool-first >/dev/null
[[ $(digest "reg.$NS.svc:5000/team-b/tool:v1" --cert-dir "$REG_CERTS") == "$tool1" ]] || fail "team-b/tool:v1 does not have plain's digest"
check_status tool "v1=$tool1" >/dev/null
[[ $(jsonpath regcfg reg '{.status.mirrors[?(@.name=="tool")].insecure}') == true ]] || fail "status does not say the tool mirror is insecure"

log "a second run with nothing new imports nothing and keeps lastImport"
sleep 1 # lastImport has a resolution of one second
summary=$(run_mirror app app-second)
python3 -c 'import json,sys; s = json.loads(sys.argv[1]); sys.exit(0 if not any(t["imported"] for t in s["tags"]) else 1)' \
  "$summary" || fail "the second run imported something: $summary"
[[ $(check_status app "1=$up1" "2=$up2") == "$first_import" ]] || fail "lastImport moved without an import"

log "tag 2 moves upstream: the next run imports it"
push "up.$NS.svc:5000" team-a/app 2 "app two, rebuilt" --dest-cert-dir "$UP_CERTS"
up2b=$(digest "up.$NS.svc:5000/team-a/app:2" --cert-dir "$UP_CERTS")
[[ $up2b != "$up2" ]] || fail "the rebuilt image has the old digest"
run_mirror app app-third >/dev/null
[[ $(digest "reg.$NS.svc:5000/mirrored/app:2" --cert-dir "$REG_CERTS") == "$up2b" ]] || fail "mirrored/app:2 was not re-imported"
[[ $(check_status app "1=$up1" "2=$up2b") != "$first_import" ]] || fail "lastImport did not move with the import"

log "the tool mirror leaves the spec: its CronJob and its status entry go, app's stays"
k patch regcfg reg --type json -p '[{"op": "remove", "path": "/spec/mirrors/1"}]' >/dev/null
wait_for "CronJob reg-mirror-tool to go" 60 absent cronjob reg-mirror-tool
no_tool_entry() { [[ -z $(jsonpath regcfg reg '{.status.mirrors[?(@.name=="tool")].name}') ]]; }
wait_for "status.mirrors[tool] to go" 60 no_tool_entry
check_status app "1=$up1" "2=$up2b" >/dev/null
log "PASS"

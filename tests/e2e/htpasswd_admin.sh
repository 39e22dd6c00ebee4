#!/usr/bin/env bash
# auth.type Htpasswd as on Quay, on the real node: with neither htpasswdSecret nor usersSecret the
# operator makes a first admin, whose password an administrator reads from Secret N-admin with
# kubectl; skopeo pushes as that admin over verified TLS, and a wrong password is refused; the
# pruner Job logs in as the jobs' own user (Secret N-jobs-credentials). A users Secret then
# replaces the admin: its users log in, a changed password takes effect once
# the pods have rolled (the old one refused), and a users Secret that changes nothing the
# registry reads (a new label) rolls nothing.
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
  auth: {type: Htpasswd}
  pruning: {schedule: "0 0 1 1 *", keepTagRevisions: 1, keepYoungerThan: 1h}
YAML
wait_for "$name Available" 180 condition_is "$name" Available True
[[ $(condition "$name" Degraded) == False ]] ||
  fail "$name is Degraded: $(condition_reason "$name" Degraded)"

log "the first admin, read as the README says"
user=$(k get secret "$name-admin" -o 'jsonpath={.data.username}' | base64 -d)
password=$(k get secret "$name-admin" -o 'jsonpath={.data.password}' | base64 -d)
[[ $user == admin ]] || fail "Secret $name-admin names user '$user', not admin"
((${#password} >= 24)) || fail "the generated password has ${#password} characters, fewer than 24"
[[ $(jsonpath secret "$name-admin" '{.type}') == kubernetes.io/basic-auth ]] ||
  fail "Secret $name-admin is not of type kubernetes.io/basic-auth"
[[ $(jsonpath secret "$name-admin" '{.metadata.ownerReferences[0].kind}') == RegistryConfig ]] ||
  fail "Secret $name-admin is not owned by the RegistryConfig"

reach_registry "$name"
# status_as USER PASSWORD: the HTTP status of GET /v2/ with those credentials (000 when it
# cannot connect: right after a roll, kube-proxy may still send a connection to the old pod).
status_as() {
  curl -s -o /dev/null -w '%{http_code}' --connect-timeout 3 --max-time 10 \
    --cacert "$REGISTRY_CERTS/ca.crt" --resolve "$host:$REGISTRY_IP" -u "$1:$2" "https://$host/v2/" || true
}
logs_in() { [[ $(status_as "$1" "$2") == 200 ]]; }
refused() { [[ $(status_as "$1" "$2") == 401 ]]; }

[[ $(curl -s -o /dev/null -w '%{http_code}' --cacert "$REGISTRY_CERTS/ca.crt" \
  --resolve "$host:$REGISTRY_IP" "https://$host/v2/") == 401 ]] || fail "anonymous access is not refused"
make_oci_image "$WORK/image" "pushed by the first admin $RANDOM" >/dev/null
registry_skopeo copy --quiet --dest-cert-dir "$REGISTRY_CERTS" --dest-creds "$user:$password" \
  "oci:$WORK/image:1" "docker://$host/team-a/app:1" || fail "skopeo could not push as $user"
if registry_skopeo copy --quiet --dest-cert-dir "$REGISTRY_CERTS" --dest-creds "$user:wrong-$password" \
  "oci:$WORK/image:1" "docker://$host/team-a/app:2" 2>"$WORK/refused.txt"; then
  fail "a push with a wrong password was accepted"
fi
grep -qi "unauthorized\|authentication required" "$WORK/refused.txt" ||
  fail "the push with a wrong password failed for another reason: $(tail -n 3 "$WORK/refused.txt")"
refused "$user" "wrong-$password" || fail "GET /v2/ with a wrong password is not 401"
registry_skopeo list-tags --cert-dir "$REGISTRY_CERTS" --creds "$user:$password" \
  "docker://$host/team-a/app" | grep -q '"1"' || fail "team-a/app:1 cannot be listed as $user"
log "pushed as $user; a wrong password refused"

log "the pruner logs in as the jobs' own user"
wait_for "CronJob $name-pruner" 30 exists cronjob "$name-pruner"
[[ $(k get secret "$name-jobs-credentials" -o 'jsonpath={.data.username}' | base64 -d) == registry-operator-jobs ]] ||
  fail "Secret $name-jobs-credentials does not name the user registry-operator-jobs"
k create job prune-now --from="cronjob/$name-pruner" >/dev/null
wait_for "the prune Job to succeed" 120 job_succeeded prune-now
summary=$(k logs job/prune-now 2>/dev/null | grep '^{' | tail -n 1) || true
python3 -c 'import json,sys; s = json.loads(sys.argv[1]); sys.exit(0 if s["repositories"] == 1 else 1)' \
  "$summary" || fail "the pruner did not see the repository: $summary"

# deploy_state: the Deployment's generation and config hash, to tell whether the pods rolled.
deploy_state() {
  jsonpath deploy "$name" '{.metadata.generation} {.spec.template.metadata.annotations.imageregistry\.io/config-hash}'
}
rolled_from() { [[ $(deploy_state) != "$1" ]]; }
# push_as USER PASSWORD TAG: skopeo pushes the image as USER.
push_as() {
  registry_skopeo copy --quiet --dest-cert-dir "$REGISTRY_CERTS" --dest-creds "$1:$2" \
    "oci:$WORK/image:1" "docker://$host/team-a/app:$3" 2>>"$WORK/push.log"
}

log "a users Secret replaces the generated admin"
k create secret generic team-users --from-literal=alice=alice-first-password \
  --from-literal=bob=bob-password >/dev/null
before=$(deploy_state)
save_registry_logs "$name"
old_pods=$(registry_pods "$name" .metadata.uid)
k patch regcfg "$name" --type merge -p '{"spec":{"auth":{"usersSecret":"team-users"}}}' >/dev/null
wait_for "the pods to roll onto the users' htpasswd" 120 rolled_from "$before"
wait_for "the old registry pod to be replaced" 180 registry_pods_replaced "$name" "$old_pods"
wait_for "Secret $name-admin to go" 60 absent secret "$name-admin"
wait_for "alice to log in" 60 logs_in alice alice-first-password
wait_for "bob to log in" 30 logs_in bob bob-password
wait_for "the generated admin to be refused now" 30 refused admin "$password"
exists secret "$name-htpasswd" || fail "Secret $name-htpasswd (the users' hashes) is missing"
hashes=$(k get secret "$name-htpasswd" -o 'jsonpath={.data.htpasswd}' | base64 -d)
grep -q '^alice:\$2b\$' <<<"$hashes" || fail "$name-htpasswd holds no bcrypt entry for alice"

log "alice's password changes: it takes effect after the roll, bob's entry is kept"
bob_hash=$(grep '^bob:' <<<"$hashes")
before=$(deploy_state)
save_registry_logs "$name"
old_pods=$(registry_pods "$name" .metadata.uid)
k create secret generic team-users --from-literal=alice=alice-second-password \
  --from-literal=bob=bob-password --dry-run=client -o yaml | k apply -f - >/dev/null
wait_for "the pods to roll onto alice's new password" 120 rolled_from "$before"
wait_for "the old registry pod to be replaced" 180 registry_pods_replaced "$name" "$old_pods"
wait_for "alice to log in with her new password" 60 logs_in alice alice-second-password
wait_for "alice's old password to be refused" 60 refused alice alice-first-password
[[ $(k get secret "$name-htpasswd" -o 'jsonpath={.data.htpasswd}' | base64 -d | grep '^bob:') == "$bob_hash" ]] ||
  fail "bob's entry was hashed again though his password did not change"
wait_for "skopeo to push as alice" 60 push_as alice alice-second-password 2

log "a change of the users Secret that changes no password rolls nothing"
before=$(deploy_state)
replicasets=$(replicaset_count "$name")
count=$(reconcile_count)
k label secret team-users touched=yes >/dev/null
wait_for "a reconcile after the label" 30 reconciled_since "$count"
sleep 5
[[ $(deploy_state) == "$before" ]] || fail "an unchanged users Secret changed the Deployment: $(deploy_state) after $before"
[[ $(replicaset_count "$name") == "$replicasets" ]] || fail "an unchanged users Secret made a ReplicaSet"
wait_for "alice to log in still" 30 logs_in alice alice-second-password

log "no password used here appears in the registry's log"
# (The operator's log and the Events are checked for every Secret's values at exit.)
save_registry_logs "$name"
[[ -s $WORK/registry-pods.log ]] || fail "no registry log to look at"
for secret in "$password" alice-first-password alice-second-password bob-password; do
  if grep -qF -- "$secret" "$WORK/registry-pods.log"; then fail "a password appears in the registry's log"; fi
done
log "PASS"

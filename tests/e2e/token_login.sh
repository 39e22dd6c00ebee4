#!/usr/bin/env bash
# auth.type Kubernetes as on OKD, on the real node: the password is a Kubernetes bearer token,
# checked by the token service beside the registry (`registry-operator auth-server`), and
# registry-viewer / registry-editor decide who pulls and pushes in a namespace. The test users
# of the local control plane (--token-auth-file) log in as people do: with registry-editor
# alice pushes over verified TLS (skopeo) and logs in with podman; with registry-viewer bob
# pulls but cannot push; carol, with no role, gets nothing. A ServiceAccount token works like a
# user's, a token for another namespace cannot touch this one, and garbage, expired or revoked
# tokens are refused. anonymousPull lets anyone pull, and no push. No token appears in any log.
source "$(dirname "$0")/lib.sh"
kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=restricted >/dev/null
start_operator
extra_namespace OTHER other

name=reg
host="$name.$NS.svc:5000"
realm="https://$name.$NS.svc:5002/auth/token"
k apply -f - >/dev/null <<YAML
apiVersion: imageregistry.io/v1alpha1
kind: RegistryConfig
metadata:
  name: $name
spec:
  tls: {mode: Auto}
  storage: {emptyDir: {}}
  auth: {type: Kubernetes}
  components:
    - {kind: pruner, managed: false}
YAML
wait_for "$name Available" 180 condition_is "$name" Available True
[[ $(condition "$name" Degraded) == False ]] ||
  fail "$name is Degraded: $(condition_reason "$name" Degraded)"

log "ClusterRoles registry-viewer and registry-editor, aggregated to the built-in roles"
for role in registry-viewer registry-editor; do
  exists clusterrole "$role" || fail "ClusterRole $role is missing"
done
[[ $(kubectl get clusterrole registry-editor -o 'jsonpath={.metadata.labels.rbac\.authorization\.k8s\.io/aggregate-to-edit}') == true ]] ||
  fail "registry-editor is not aggregated to edit"
[[ $(kubectl get clusterrole registry-viewer -o 'jsonpath={.metadata.labels.rbac\.authorization\.k8s\.io/aggregate-to-view}') == true ]] ||
  fail "registry-viewer is not aggregated to view"

for user in alice bob carol; do
  [[ -s $CONTROLPLANE_DIR/users/$user.token ]] || fail "the control plane has no token for test user $user"
done
alice=$(cat "$CONTROLPLANE_DIR/users/alice.token")
bob=$(cat "$CONTROLPLANE_DIR/users/bob.token")
carol=$(cat "$CONTROLPLANE_DIR/users/carol.token")
k create rolebinding alice-pushes --clusterrole=registry-editor --user=alice >/dev/null
k create rolebinding bob-pulls --clusterrole=registry-viewer --user=bob >/dev/null
k create serviceaccount builder >/dev/null
k create rolebinding builder-pushes --clusterrole=registry-editor --serviceaccount="$NS:builder" >/dev/null
kubectl -n "$OTHER" create serviceaccount stranger >/dev/null
kubectl -n "$OTHER" create rolebinding stranger-pushes --clusterrole=registry-editor \
  --serviceaccount="$OTHER:stranger" >/dev/null
builder=$(k create token builder --duration=1h)
stranger=$(kubectl -n "$OTHER" create token stranger --duration=1h)
garbage="not-a-token-$RANDOM$RANDOM"

reach_registry "$name"
# token_status USER TOKEN SCOPE: the HTTP status of the realm asked for SCOPE with those
# credentials, none when both are empty (000 when it cannot connect).
token_status() {
  local creds=(-u "$1:$2")
  [[ -n $1$2 ]] || creds=()
  curl -s -o "$WORK/token.json" -w '%{http_code}' --connect-timeout 3 --max-time 10 \
    --cacert "$REGISTRY_CERTS/ca.crt" --resolve "$name.$NS.svc:5002:$REGISTRY_IP" "${creds[@]}" \
    "$realm?service=$host&scope=$3" || true
}
# granted USER TOKEN SCOPE: the actions the token service grants for SCOPE, comma separated.
granted() {
  [[ $(token_status "$@") == 200 ]] || fail "the realm refused $1 for $3: $(cat "$WORK/token.json")"
  python3 - "$WORK/token.json" <<'PY'
import base64, json, sys
token = json.load(open(sys.argv[1]))["token"]
claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
print(",".join(a for entry in claims["access"] for a in entry["actions"]))
PY
}
# push_as USER TOKEN REPO:TAG, pull_as USER TOKEN REPO:TAG: skopeo over verified TLS.
push_as() {
  registry_skopeo copy --quiet --dest-cert-dir "$REGISTRY_CERTS" --dest-creds "$1:$2" \
    "oci:$WORK/image:1" "docker://$host/$3" 2>"$WORK/skopeo.err"
}
pull_as() {
  local creds=(--src-no-creds)
  [[ -z $1 ]] || creds=(--src-creds "$1:$2")
  rm -rf "$WORK/pulled"
  registry_skopeo copy --quiet --src-cert-dir "$REGISTRY_CERTS" "${creds[@]}" \
    "docker://$host/$3" "oci:$WORK/pulled:1" 2>"$WORK/skopeo.err"
}
refused_with_auth_error() {
  grep -qi "unauthorized\|denied\|authentication required\|401\|403" "$WORK/skopeo.err" ||
    fail "$1 failed for another reason: $(tail -n 3 "$WORK/skopeo.err")"
}

log "alice (registry-editor) pushes with skopeo and logs in with podman"
digest=$(make_oci_image "$WORK/image" "pushed by alice $RANDOM")
realm_answers() { [[ $(token_status alice "$alice" "repository:$NS/app:pull") == 200 ]]; }
# kube-proxy routes the token service's port a moment after the pod is ready, like the registry's.
wait_for "the realm to answer" 60 realm_answers
[[ $(granted alice "$alice" "repository:$NS/app:pull,push,delete") == pull,push,delete ]] ||
  fail "alice is not granted pull, push and delete in $NS: $(granted alice "$alice" "repository:$NS/app:pull,push,delete")"
push_as alice "$alice" "$NS/app:1" || fail "skopeo could not push as alice: $(tail -n 3 "$WORK/skopeo.err")"
pull_as alice "$alice" "$NS/app:1" || fail "alice cannot pull what she pushed"
with_hosts "$WORK/registry-hosts" podman login --authfile "$WORK/auth.json" \
  --cert-dir "$REGISTRY_CERTS" -u alice -p "$alice" "$host" >/dev/null 2>"$WORK/podman.err" ||
  fail "podman login as alice failed: $(tail -n 3 "$WORK/podman.err")"
if with_hosts "$WORK/registry-hosts" podman login --authfile "$WORK/auth-garbage.json" \
  --cert-dir "$REGISTRY_CERTS" -u alice -p "$garbage" "$host" >/dev/null 2>"$WORK/podman.err"; then
  fail "podman login with a garbage token succeeded"
fi

log "bob (registry-viewer) pulls but cannot push"
pull_as bob "$bob" "$NS/app:1" || fail "bob cannot pull: $(tail -n 3 "$WORK/skopeo.err")"
pulled=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$WORK/pulled/index.json")
[[ $pulled == "$digest" ]] || fail "bob pulled $pulled, alice pushed $digest"
[[ $(granted bob "$bob" "repository:$NS/app:pull,push") == pull ]] || fail "bob is granted more than pull"
if push_as bob "$bob" "$NS/app:2"; then fail "bob pushed with registry-viewer"; fi
refused_with_auth_error "bob's push"

log "carol (no role) gets nothing; a garbage token is refused"
[[ -z $(granted carol "$carol" "repository:$NS/app:pull,push") ]] || fail "carol is granted something"
if pull_as carol "$carol" "$NS/app:1"; then fail "carol pulled with no role"; fi
refused_with_auth_error "carol's pull"
if push_as carol "$carol" "$NS/app:3"; then fail "carol pushed with no role"; fi
[[ $(token_status alice "$garbage" "repository:$NS/app:pull") == 401 ]] || fail "a garbage token is not refused with 401"
if pull_as alice "$garbage" "$NS/app:1"; then fail "a garbage token pulled"; fi
# No credentials at all, without anonymousPull: the realm asks for them.
[[ $(token_status "" "" "repository:$NS/app:pull") == 401 ]] || fail "an anonymous token request is not refused"

log "a ServiceAccount token works like a user's; one of another namespace cannot touch this one"
push_as builder "$builder" "$NS/built:1" || fail "ServiceAccount builder could not push: $(tail -n 3 "$WORK/skopeo.err")"
pull_as builder "$builder" "$NS/built:1" || fail "ServiceAccount builder cannot pull"
push_as stranger "$stranger" "$OTHER/app:1" || fail "ServiceAccount stranger cannot push in its own namespace"
[[ -z $(granted stranger "$stranger" "repository:$NS/app:pull,push,delete") ]] ||
  fail "a token of namespace $OTHER is granted something in $NS"
if pull_as stranger "$stranger" "$NS/app:1"; then fail "a token of namespace $OTHER pulled from $NS"; fi
if push_as stranger "$stranger" "$NS/app:4"; then fail "a token of namespace $OTHER pushed to $NS"; fi
# A repository outside any namespace belongs to no one.
[[ -z $(granted alice "$alice" "repository:app:pull,push") ]] || fail "a repository with no namespace is granted"

log "an expired token and a revoked one are refused"
# Signed with the cluster's own ServiceAccount key, valid in every way but its expiry: the API
# server, not the token service, must be what refuses it.
expired=$(python3 - "$CONTROLPLANE_DIR/pki/sa.key" "$NS" "$(jsonpath sa builder '{.metadata.uid}')" <<'PY'
import base64, json, subprocess, sys, time
key, ns, uid = sys.argv[1:]
b64 = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()
now = int(time.time())
claims = {"iss": "https://kubernetes.default.svc", "aud": ["https://kubernetes.default.svc"],
          "sub": f"system:serviceaccount:{ns}:builder", "iat": now - 3600, "nbf": now - 3600,
          "exp": now - 600, "kubernetes.io": {"namespace": ns,
                                              "serviceaccount": {"name": "builder", "uid": uid}}}
signing_input = b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(claims).encode())
signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing_input.encode(),
                           capture_output=True, check=True).stdout
print(signing_input + "." + b64(signature))
PY
)
[[ $(token_status builder "$expired" "repository:$NS/built:pull") == 401 ]] || fail "an expired token is not refused"
k create secret generic builder-session >/dev/null
session=$(k create token builder --duration=1h --bound-object-kind=Secret --bound-object-name=builder-session)
[[ $(granted builder "$session" "repository:$NS/built:pull") == pull ]] || fail "a bound token is not granted pull"
k delete secret builder-session >/dev/null
# Reviews are cached for 10 s: past that, the revoked token must be refused.
revoked() { [[ $(token_status builder "$session" "repository:$NS/built:pull") == 401 ]]; }
wait_for "the revoked token to be refused" 30 revoked

log "anonymousPull: anyone pulls, no one pushes without a token"
save_registry_logs "$name"
# The token service's flags change, not the registry's configuration: the Deployment rolls.
before=$(jsonpath deploy "$name" '{.metadata.generation}')
old_pods=$(registry_pods "$name" .metadata.uid)
k patch regcfg "$name" --type merge -p '{"spec":{"auth":{"anonymousPull":true}}}' >/dev/null
rolled() { [[ $(jsonpath deploy "$name" '{.metadata.generation}') != "$before" ]]; }
wait_for "the pods to roll with anonymous pull" 60 rolled
wait_for "the old registry pod to be replaced" 180 registry_pods_replaced "$name" "$old_pods"
# emptyDir storage: the new pod starts empty, so alice pushes again first.
alice_pushes() { push_as alice "$alice" "$NS/app:6"; }
wait_for "alice to push to the new pod" 120 alice_pushes
anonymous_pulls() { pull_as "" "" "$NS/app:6"; }
(wait_for "an anonymous pull" 60 anonymous_pulls) || fail "no anonymous pull: $(tail -n 3 "$WORK/skopeo.err")"
[[ $(granted "" "" "repository:$NS/app:pull,push") == pull ]] || fail "anonymous requests are granted more than pull"
if registry_skopeo copy --quiet --dest-cert-dir "$REGISTRY_CERTS" --dest-no-creds \
  "oci:$WORK/image:1" "docker://$host/$NS/app:7" 2>"$WORK/skopeo.err"; then
  fail "an anonymous push was accepted"
fi
refused_with_auth_error "the anonymous push"

log "no token appears in a log"
save_registry_logs "$name"
grep -q "alice" "$WORK/registry-pods.log" || fail "the token service logged no request of alice's"
for token in "$alice" "$bob" "$carol" "$builder" "$stranger" "$garbage" "$expired" "$session"; do
  if grep -qF -- "$token" "$OPERATOR_LOG" "$WORK/registry-pods.log"; then
    fail "a token of this test appears in a log"
  fi
done
secrets_in_logs || fail "a Secret's value appears in the operator's log or an Event"
log "PASS"

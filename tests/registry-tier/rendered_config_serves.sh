#!/usr/bin/env bash
# The config.yml that `registry-operator render` produces (the same one the controller puts in
# Secret N-config) is accepted by the real distribution registry (Debian's docker-registry):
# started with it on loopback, it answers GET /v2/ with 200, over the operator-issued TLS and
# without TLS, and with a user config bundle merged in; with auth Htpasswd, the first admin the
# operator generates logs in and pushes, and wrong credentials are refused.
set -euo pipefail
: "${OPERATOR:?}" "${SOURCE_ROOT:?}"
REGISTRY_BIN=${REGISTRY_BIN:-/usr/bin/docker-registry}
if [[ ! -x $REGISTRY_BIN ]]; then
  echo "docker-registry not found at $REGISTRY_BIN (apt-get install docker-registry)" >&2
  exit 1  # never a silent pass: the tier exists to run the real registry
fi
work=$(mktemp -d /tmp/registry-tier.XXXXXX)
registry_pid=""
cleanup() {
  [[ -n $registry_pid ]] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [[ -f $work/registry.log ]] && tail -n 30 "$work/registry.log" >&2
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# extract RENDERED_JSON KIND NAME KEY OUT: one base64 `data` key (Secret) or plain key (ConfigMap).
extract() {
  python3 - "$@" <<'PY'
import base64, json, sys
rendered, kind, name, key, out = sys.argv[1:]
for item in json.load(open(rendered))["items"]:
    if item["kind"] == kind and item["metadata"]["name"] == name:
        value = item["data"][key]
        data = base64.b64decode(value) if kind == "Secret" else value.encode()
        open(out, "wb").write(data)
        sys.exit(0)
sys.exit(f"{kind} {name} not rendered")
PY
}

# serve CONFIG [env...]: starts docker-registry on a free loopback port with CONFIG.
serve() {
  local config=$1
  shift
  port=$(free_port)
  mkdir -p "$work/storage"
  env REGISTRY_HTTP_ADDR="127.0.0.1:$port" REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY="$work/storage" \
    REGISTRY_HTTP_DEBUG_ADDR="127.0.0.1:$(free_port)" "$@" \
    "$REGISTRY_BIN" serve "$config" >"$work/registry.log" 2>&1 &
  registry_pid=$!
}
stop() {
  kill "$registry_pid" 2>/dev/null || true
  wait "$registry_pid" 2>/dev/null || true
  registry_pid=""
}
# expect_v2 URL [curl args]: waits (bounded) for the registry, then wants 200 from /v2/.
expect_v2() {
  local url=$1 code=""
  shift
  for _ in $(seq 1 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url/v2/" || true)
    [[ $code == 200 ]] && return 0
    kill -0 "$registry_pid" 2>/dev/null || fail "docker-registry exited: it refused the rendered config"
    sleep 0.1
  done
  fail "GET $url/v2/ answered '$code', not 200"
}

# 1. The sample (tls Auto: the operator issues a CA and a serving certificate).
"$OPERATOR" render -f "$SOURCE_ROOT/crds/samples/registryconfig.yaml" -o json >"$work/sample.json"
extract "$work/sample.json" Secret image-registry-config config.yml "$work/config.yml"
extract "$work/sample.json" Secret image-registry-tls tls.crt "$work/tls.crt"
extract "$work/sample.json" Secret image-registry-tls tls.key "$work/tls.key"
extract "$work/sample.json" ConfigMap image-registry-ca ca.crt "$work/ca.crt"
grep -q "tls:" "$work/config.yml" || fail "tls Auto rendered no tls section"
serve "$work/config.yml" REGISTRY_HTTP_TLS_CERTIFICATE="$work/tls.crt" REGISTRY_HTTP_TLS_KEY="$work/tls.key"
# The certificate names the Service; reach it on loopback under that name, trusting the CA.
expect_v2 "https://image-registry.default.svc:$port" --cacert "$work/ca.crt" \
  --resolve "image-registry.default.svc:$port:127.0.0.1"
stop
echo "PASS: sample config.yml served /v2/ over the operator-issued TLS"

# 2. TLS disabled, read-only, with a user bundle merged in.
cat >"$work/cr.yaml" <<'YAML'
apiVersion: imageregistry.io/v1alpha1
kind: RegistryConfig
metadata: {name: plain, namespace: tier}
spec:
  storage: {emptyDir: {}}
  tls: {mode: Disabled}
  readOnly: true
  logLevel: Debug
YAML
printf 'http:\n  headers:\n    X-Bundle: [merged]\n' >"$work/bundle.yml"
"$OPERATOR" render -f "$work/cr.yaml" --config-bundle "$work/bundle.yml" -o json >"$work/plain.json"
extract "$work/plain.json" Secret plain-config config.yml "$work/plain.yml"
serve "$work/plain.yml"
expect_v2 "http://127.0.0.1:$port"
curl -s -D - -o /dev/null "http://127.0.0.1:$port/v2/" | grep -qi "X-Bundle: merged" ||
  fail "the bundle's header is not served"
stop
echo "PASS: TLS-less config.yml with a merged bundle served /v2/"

# 3. auth Htpasswd with neither Secret: the first admin the operator generates (Secret N-admin)
# logs in with its password, against the bcrypt entry N-config carries; a wrong password, another
# user and no credentials are refused; skopeo pushes as the admin. The jobs' own user (Secret
# N-jobs-credentials, its entry after the admin's) lets `prune` and `mirror` in, with the flags
# their CronJobs pass; without them they are refused (exit 4).
cat >"$work/auth.yaml" <<'YAML'
apiVersion: imageregistry.io/v1alpha1
kind: RegistryConfig
metadata: {name: locked, namespace: tier}
spec:
  storage: {emptyDir: {}}
  tls: {mode: Disabled}
  auth: {type: Htpasswd, initialAdmin: root}
YAML
"$OPERATOR" render -f "$work/auth.yaml" -o json >"$work/auth.json"
extract "$work/auth.json" Secret locked-config config.yml "$work/auth.yml"
extract "$work/auth.json" Secret locked-config htpasswd "$work/htpasswd"
extract "$work/auth.json" Secret locked-admin username "$work/username"
extract "$work/auth.json" Secret locked-admin password "$work/password"
extract "$work/auth.json" Secret locked-admin htpasswd "$work/admin-htpasswd"
extract "$work/auth.json" Secret locked-jobs-credentials password "$work/jobs-password"
extract "$work/auth.json" Secret locked-jobs-credentials htpasswd "$work/jobs-htpasswd"
user=$(cat "$work/username")
password=$(cat "$work/password")
[[ $user == root ]] || fail "N-admin names user '$user', not the initialAdmin root"
((${#password} >= 24)) || fail "the generated password has ${#password} characters"
grep -q '^root:\$2b\$10\$' "$work/htpasswd" || fail "the htpasswd holds no \$2b\$ entry for root"
cat "$work/admin-htpasswd" "$work/jobs-htpasswd" | cmp -s - "$work/htpasswd" ||
  fail "N-config's htpasswd is not N-admin's entry followed by the jobs'"
grep -q '^registry-operator-jobs:\$2b\$10\$' "$work/jobs-htpasswd" || fail "no bcrypt entry for the jobs"
grep -q "$password" "$work/htpasswd" "$work/auth.yml" && fail "the password itself is in N-config"
# The config names /etc/registry/htpasswd, the pod's mount; here the extracted file.
serve "$work/auth.yml" REGISTRY_AUTH_HTPASSWD_PATH="$work/htpasswd"
status_as() { curl -s -o /dev/null -w '%{http_code}' "$@" "http://127.0.0.1:$port/v2/" || true; }
for _ in $(seq 1 100); do
  [[ $(status_as) == 401 ]] && break
  kill -0 "$registry_pid" 2>/dev/null || fail "docker-registry exited: it refused the rendered config"
  sleep 0.1
done
[[ $(status_as) == 401 ]] || fail "anonymous GET /v2/ is not 401"
[[ $(status_as -u "root:$password") == 200 ]] || fail "the generated admin cannot log in"
[[ $(status_as -u "root:${password}x") == 401 ]] || fail "a wrong password is not refused"
[[ $(status_as -u "admin:$password") == 401 ]] || fail "another user name is not refused"
layout=$work/layout
mkdir -p "$layout/blobs/sha256"
python3 - "$layout" <<'PY'
import hashlib, json, sys
out = sys.argv[1]
def blob(data):
    digest = hashlib.sha256(data).hexdigest()
    open(f"{out}/blobs/sha256/{digest}", "wb").write(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}
config = blob(json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode())
manifest = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": dict(config, mediaType="application/vnd.oci.image.config.v1+json"), "layers": []}).encode())
json.dump({"schemaVersion": 2, "manifests": [dict(manifest, mediaType="application/vnd.oci.image.manifest.v1+json",
    annotations={"org.opencontainers.image.ref.name": "1"})]}, open(f"{out}/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(f"{out}/oci-layout", "w"))
PY
skopeo --insecure-policy copy --quiet --dest-tls-verify=false --dest-creds "root:$password" \
  "oci:$layout:1" "docker://127.0.0.1:$port/team/app:1" || fail "skopeo could not push as the admin"
if skopeo --insecure-policy copy --quiet --dest-tls-verify=false --dest-creds "root:wrong" \
  "oci:$layout:1" "docker://127.0.0.1:$port/team/app:2" 2>/dev/null; then
  fail "skopeo pushed with a wrong password"
fi
echo "PASS: the generated admin logs in to the rendered htpasswd and pushes; wrong credentials refused"

# The jobs' flags, as the rendered CronJob passes them.
python3 - "$work/auth.json" >"$work/prune-flags" <<'PY'
import json, sys
for item in json.load(open(sys.argv[1]))["items"]:
    if item["kind"] == "CronJob" and item["metadata"]["name"] == "locked-pruner":
        command = item["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"]
        at = command.index("--username")
        print(" ".join(command[at:at + 4]))
PY
[[ $(cat "$work/prune-flags") == "--username registry-operator-jobs --password-file /etc/registry-credentials/password" ]] ||
  fail "the pruner CronJob passes '$(cat "$work/prune-flags")'"
policy=(--registry "http://127.0.0.1:$port" --keep-tag-revisions 1 --keep-younger-than 1s)
set +e
"$OPERATOR" prune "${policy[@]}" >/dev/null 2>"$work/prune-anonymous.err"
status=$?
set -e
[[ $status == 4 ]] || { cat "$work/prune-anonymous.err" >&2; fail "prune without credentials: exit $status, want 4"; }
"$OPERATOR" prune "${policy[@]}" --username registry-operator-jobs --password-file "$work/jobs-password" \
  >"$work/prune.out" 2>"$work/prune.err" || { cat "$work/prune.err" >&2; fail "prune as the jobs' user failed"; }
grep -q '"repositories":1' "$work/prune.out" || fail "prune saw no repository: $(cat "$work/prune.out")"
# mirror: from this registry (as the admin, through a pull secret) into it (as the jobs' user).
python3 - "$port" "$password" >"$work/pull-secret.json" <<'PY'
import json, sys
print(json.dumps({"auths": {f"127.0.0.1:{sys.argv[1]}": {"username": "root", "password": sys.argv[2]}}}))
PY
mirror_args=(--source "127.0.0.1:$port/team/app" --source-insecure --pull-secret-file "$work/pull-secret.json"
  --target "http://127.0.0.1:$port" --target-repository mirror/app --tag 1)
set +e
"$OPERATOR" mirror "${mirror_args[@]}" >/dev/null 2>"$work/mirror-anonymous.err"
status=$?
set -e
[[ $status == 4 ]] || { cat "$work/mirror-anonymous.err" >&2; fail "mirror without target credentials: exit $status, want 4"; }
set +e
"$OPERATOR" mirror "${mirror_args[@]}" --target-username registry-operator-jobs >/dev/null 2>&1
status=$?
set -e
[[ $status == 2 ]] || fail "--target-username without --target-password-file: exit $status, want 2 (usage)"
"$OPERATOR" mirror "${mirror_args[@]}" --target-username registry-operator-jobs \
  --target-password-file "$work/jobs-password" >"$work/mirror.out" 2>"$work/mirror.err" ||
  { cat "$work/mirror.err" >&2; fail "mirror as the jobs' user failed"; }
[[ $(curl -s -o /dev/null -w '%{http_code}' -u "root:$password" \
  "http://127.0.0.1:$port/v2/mirror/app/manifests/1" -H "Accept: application/vnd.oci.image.manifest.v1+json") == 200 ]] ||
  fail "mirror/app:1 is not in the registry after the mirror"
stop
echo "PASS: prune and mirror log in as the jobs' own user with the CronJobs' flags; refused without"

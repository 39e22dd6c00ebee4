#!/usr/bin/env bash
# The tokens of the token service (auth.type Kubernetes) against the real distribution registry
# (Debian's docker-registry) configured with auth.token as the operator runs it: an EC P-256
# rootcertbundle, issuer registry-operator, service N.S.svc:5000. This proves the token format
# (ES256 with R||S signatures, the libtrust kid, aud as one string, the access claim):
#   1. tokens minted with the library's signer (mint_token): push with a push token, pull with a
#      pull-only one (curl and skopeo), and refusals for a pull-only push, another repository,
#      an expired token and a token signed by another key;
#   2. `registry-operator auth-server` as the registry's realm, with a fake API server (Python,
#      TLS) answering the caller's SelfSubjectReview and SelfSubjectAccessReviews: skopeo copies
#      and inspects through the whole 401 → realm → token dance, a wrong token is refused, and
#      --anonymous-pull lets skopeo pull without credentials.
source "$(dirname "$0")/lib.sh"
: "${MINT_TOKEN:?the mint_token tool (tests/token/tools)}"
[[ -x $MINT_TOKEN ]] || fail "mint_token not built: $MINT_TOKEN"
# lib.sh's fail, with the auth-server's and the fake API server's logs too.
eval "lib_$(declare -f fail)"
fail() {
  for log in "$work/auth-server.log" "$work/api.log"; do
    [[ -s $log ]] && { echo "--- $log" >&2; tail -n 15 "$log" >&2; }
  done
  lib_fail "$@"
}

service=registry.team-a.svc:5000
# The token signing key and its self-signed certificate (the registry's rootcertbundle), and
# another pair the registry does not trust.
for pair in signing other; do
  openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$work/$pair.key"
  openssl req -x509 -new -key "$work/$pair.key" -subj "/CN=$pair" -days 1 -out "$work/$pair.crt" 2>/dev/null
done
mint() { "$MINT_TOKEN" "$work/signing.key" "$work/signing.crt" "$service" "$@"; }

realm_port=$(free_port)
serve reg false "auth:
  token:
    realm: http://127.0.0.1:$realm_port/auth/token
    service: $service
    issuer: registry-operator
    rootcertbundle: $work/signing.crt"
registry=127.0.0.1:$port

# code TOKEN METHOD PATH [curl args]: the HTTP status of one registry API call with TOKEN.
code() {
  local token=$1 method=$2 path=$3
  shift 3
  curl -s -o "$work/body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token" "$@" "http://$registry$path"
}

# --- 1. minted tokens -----------------------------------------------------------------------
echo "--- a push token uploads an image"
push=$(mint 300 alice "repository:team-a/app:pull,push")
printf 'layer of team-a/app' >"$work/layer"
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' >"$work/config"
upload() {  # upload TOKEN FILE: one blob, monolithic; prints its digest
  local token=$1 file=$2 digest location
  digest=sha256:$(sha256sum "$file" | cut -d' ' -f1)
  location=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $token" \
    "http://$registry/v2/team-a/app/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
  [[ -n $location ]] || fail "no upload location for $file"
  [[ $location == http* ]] || location="http://$registry$location"
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/octet-stream' --data-binary "@$file" "$location&digest=$digest")
  [[ $status == 201 ]] || fail "blob upload of $file: $status"
  echo "$digest"
}
layer_digest=$(upload "$push" "$work/layer")
config_digest=$(upload "$push" "$work/config")
cat >"$work/manifest" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"$config_digest","size":$(stat -c %s "$work/config")},
 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"$layer_digest","size":$(stat -c %s "$work/layer")}]}
JSON
status=$(code "$push" PUT /v2/team-a/app/manifests/v1 -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "@$work/manifest")
[[ $status == 201 ]] || fail "manifest push with a push token: $status $(cat "$work/body")"

echo "--- a pull-only token pulls, and cannot push"
pull=$(mint 300 bob "repository:team-a/app:pull")
status=$(code "$pull" GET /v2/team-a/app/manifests/v1 -H "Accept: $ACCEPT")
[[ $status == 200 ]] || fail "manifest pull with a pull token: $status"
skopeo inspect --tls-verify=false --registry-token "$pull" "docker://$registry/team-a/app:v1" >/dev/null ||
  fail "skopeo inspect with a pull token"
status=$(code "$pull" POST /v2/team-a/app/blobs/uploads/)
[[ $status == 401 || $status == 403 ]] || fail "blob upload with a pull-only token: $status"
status=$(code "$pull" PUT /v2/team-a/app/manifests/v2 -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "@$work/manifest")
[[ $status == 401 || $status == 403 ]] || fail "manifest push with a pull-only token: $status"

echo "--- a token for another repository, an expired one, one of another key are refused"
other_repo=$(mint 300 bob "repository:team-b/app:pull,push")
status=$(code "$other_repo" GET /v2/team-a/app/manifests/v1 -H "Accept: $ACCEPT")
[[ $status == 401 || $status == 403 ]] || fail "pull with a token for another repository: $status"
# distribution allows 60 s of clock skew after exp: expired 5 minutes ago.
expired=$(mint -300 bob "repository:team-a/app:pull")
status=$(code "$expired" GET /v2/team-a/app/manifests/v1 -H "Accept: $ACCEPT")
[[ $status == 401 ]] || fail "pull with an expired token: $status"
foreign=$("$MINT_TOKEN" "$work/other.key" "$work/other.crt" "$service" 300 bob "repository:team-a/app:pull")
status=$(code "$foreign" GET /v2/team-a/app/manifests/v1 -H "Accept: $ACCEPT")
[[ $status == 401 ]] || fail "pull with a token of another key: $status"
wrong_service=$("$MINT_TOKEN" "$work/signing.key" "$work/signing.crt" other.svc:5000 300 bob "repository:team-a/app:pull")
status=$(code "$wrong_service" GET /v2/team-a/app/manifests/v1 -H "Accept: $ACCEPT")
[[ $status == 401 ]] || fail "pull with a token for another service: $status"

# --- 2. the auth-server as the realm ----------------------------------------------------------
# A fake API server over TLS: the token "good-token" is alice, who may get and update in team-a
# (pull, push) and nothing else; any other token is refused with 401, as a real one would.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/api.key" \
  -out "$work/api.crt" -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -days 1 2>/dev/null
api_port=$(free_port)
python3 - "$api_port" "$work/api.crt" "$work/api.key" "$work/api-requests.log" >"$work/api.log" 2>&1 <<'PY' &
import http.server, json, ssl, sys
port, cert, key, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        good = self.headers.get("Authorization") == "Bearer good-token"
        with open(log, "a") as out:
            out.write(self.path + " " + json.dumps(body.get("spec", {})) + "\n")
        if not good:
            answer, code = {"kind": "Status", "code": 401, "reason": "Unauthorized", "message": "Unauthorized"}, 401
        elif self.path == "/apis/authentication.k8s.io/v1/selfsubjectreviews":
            answer, code = {"status": {"userInfo": {"username": "alice"}}}, 201
        elif self.path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews":
            a = body["spec"]["resourceAttributes"]
            ok = a.get("group") == "imageregistry.io" and a.get("namespace") == "team-a" and a["verb"] in ("get", "update")
            answer, code = {"status": {"allowed": ok}}, 201
        else:
            answer, code = {"kind": "Status", "code": 404}, 404
        data = json.dumps(answer).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
PY
pids+=($!)
api_pid=$!
for _ in $(seq 1 100); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/api.crt" "https://127.0.0.1:$api_port/" || true) != 000 ]] && break
  kill -0 "$api_pid" 2>/dev/null || fail "the fake API server exited"
  sleep 0.1
done

# start_auth_server [flags]: the realm on $realm_port; waits for /healthz.
start_auth_server() {
  "$OPERATOR" auth-server --listen-addr "127.0.0.1:$realm_port" --service "$service" \
    --signing-key-file "$work/signing.key" --signing-cert-file "$work/signing.crt" \
    --api-server "https://127.0.0.1:$api_port" --api-ca-file "$work/api.crt" "$@" \
    >>"$work/auth-server.log" 2>&1 &
  pids+=($!)
  auth_pid=$!
  for _ in $(seq 1 100); do
    [[ $(curl -s "http://127.0.0.1:$realm_port/healthz" || true) == ok ]] && return 0
    kill -0 "$auth_pid" 2>/dev/null || { cat "$work/auth-server.log" >&2; fail "auth-server exited"; }
    sleep 0.1
  done
  fail "auth-server does not answer /healthz"
}
stop_auth_server() {
  kill -TERM "$auth_pid"
  wait "$auth_pid" || fail "auth-server did not stop cleanly on SIGTERM"
}

echo "--- auth-server: skopeo pushes and pulls with a Kubernetes token as the password"
start_auth_server
# The username is free text (on OpenShift, `oc whoami`): only the password counts.
creds=(--creds "$(whoami):good-token")
skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false --src-registry-token "$pull" \
  --dest-creds "$(whoami):good-token" \
  "docker://$registry/team-a/app:v1" "docker://$registry/team-a/app:v2" || fail "skopeo copy through the realm"
skopeo inspect --tls-verify=false "${creds[@]}" "docker://$registry/team-a/app:v2" >/dev/null ||
  fail "skopeo inspect through the realm"
grep -q '"name": "app", "namespace": "team-a", "resource": "repositories", "verb": "update"' "$work/api-requests.log" ||
  fail "no SelfSubjectAccessReview for update of team-a/app: $(cat "$work/api-requests.log")"
if skopeo inspect --tls-verify=false --creds "x:bad-token" "docker://$registry/team-a/app:v2" >/dev/null 2>&1; then
  fail "a token the API server refuses pulled"
fi
status=$(curl -s -o /dev/null -w '%{http_code}' -u "x:good-token" "http://127.0.0.1:$realm_port/auth/token?service=$service")
[[ $status == 200 ]] || fail "login (no scope) with a good token: $status"
status=$(curl -s -o /dev/null -w '%{http_code}' -u "x:bad-token" "http://127.0.0.1:$realm_port/auth/token?service=$service")
[[ $status == 401 ]] || fail "login with a bad token: $status"
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$realm_port/auth/token?service=$service&scope=repository:team-a/app:pull")
[[ $status == 401 ]] || fail "anonymous without --anonymous-pull: $status"
if grep -q 'good-token\|bad-token' "$work/auth-server.log"; then fail "a token in the auth-server log"; fi
grep -q 'user alice, requested \[repository:team-a/app:pull,push\], granted \[repository:team-a/app:pull,push\], status 200' \
  "$work/auth-server.log" || fail "no log line of the push token: $(cat "$work/auth-server.log")"
stop_auth_server

echo "--- auth-server --anonymous-pull: skopeo pulls without credentials, cannot push"
start_auth_server --anonymous-pull
skopeo inspect --tls-verify=false "docker://$registry/team-a/app:v2" >/dev/null || fail "anonymous pull"
if skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false \
  "docker://$registry/team-a/app:v2" "docker://$registry/team-a/app:v3" 2>/dev/null; then
  fail "anonymous push"
fi
stop_auth_server
echo "PASS: token_auth"

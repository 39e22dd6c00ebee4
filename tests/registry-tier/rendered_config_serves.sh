#!/usr/bin/env bash
# The config.yml that `registry-operator render` produces (the same one the controller puts in
# Secret N-config) is accepted by the real distribution registry (Debian's docker-registry):
# started with it on loopback, it answers GET /v2/ with 200, over the operator-issued TLS and
# without TLS, and with a user config bundle merged in.
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

#!/usr/bin/env bash
# `registry-operator ca`: with tls Auto and defaultRoute true, the bundle it prints is ConfigMap
# N-ca's; --certs-d writes <host>/ca.crt for N.S.svc:5000 and the default route's host, and that
# CA verifies the serving certificate in Secret N-tls. A missing CR, tls Disabled and a bad
# kubeconfig exit 1 with one line on stderr; bad usage exits 2.
source "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || fail "openssl is missing"
start_operator

k apply -f - >/dev/null <<'YAML'
apiVersion: imageregistry.io/v1alpha1
kind: RegistryConfig
metadata:
  name: image-registry
spec:
  replicas: 1
  defaultRoute: true
  tls:
    mode: Auto
  storage:
    emptyDir: {}
YAML
wait_for "image-registry Available" 120 condition_is image-registry Available True
internal="image-registry.$NS.svc:5000"
external="image-registry-default-route-$NS.apps.e2e.test"
external_is() { [[ $(jsonpath regcfg image-registry '{.status.externalHostnames[*]}') == "$1" ]]; }
wait_for "externalHostnames = $external" 60 external_is "$external"

# To stdout: exactly the ConfigMap's bundle.
"$OPERATOR" ca --namespace "$NS" --name image-registry >"$WORK/stdout.pem" 2>"$WORK/stderr" ||
  fail "ca exited $? : $(cat "$WORK/stderr")"
k get configmap image-registry-ca -o 'jsonpath={.data.ca\.crt}' >"$WORK/configmap.pem"
[[ -s $WORK/configmap.pem ]] || fail "ConfigMap image-registry-ca has no ca.crt"
[[ $(cat "$WORK/stdout.pem") == "$(cat "$WORK/configmap.pem")" ]] ||
  fail "ca printed something else than ConfigMap image-registry-ca's ca.crt"
grep -q -- "-----BEGIN CERTIFICATE-----" "$WORK/stdout.pem" || fail "ca printed no PEM certificate"

# --certs-d, with an explicit --kubeconfig: one file per host, one line per file.
certs=$(mktemp -d "$WORK/certs.XXXXXX")
"$OPERATOR" ca --kubeconfig "$KUBECONFIG" -n "$NS" --name image-registry --certs-d "$certs/certs.d" \
  >"$WORK/written" 2>"$WORK/stderr" || fail "ca --certs-d exited $? : $(cat "$WORK/stderr")"
expected=$(printf '%s\n' "$certs/certs.d/$internal/ca.crt" "$certs/certs.d/$external/ca.crt")
[[ $(cat "$WORK/written") == "$expected" ]] ||
  fail "ca --certs-d printed '$(cat "$WORK/written")', expected '$expected'"
k get secret image-registry-tls -o 'jsonpath={.data.tls\.crt}' | base64 -d >"$WORK/serving.crt"
for host in "$internal" "$external"; do
  file="$certs/certs.d/$host/ca.crt"
  [[ -f $file ]] || fail "$file was not written"
  [[ $(stat -c %a "$file") == 644 ]] || fail "$file has mode $(stat -c %a "$file"), not 644"
  [[ $(stat -c %a "$certs/certs.d/$host") == 755 ]] || fail "$certs/certs.d/$host is not 755"
  cmp -s "$file" "$WORK/stdout.pem" || fail "$file differs from the printed bundle"
  openssl verify -CAfile "$file" "$WORK/serving.crt" >"$WORK/verify" 2>&1 ||
    fail "the serving certificate of Secret image-registry-tls does not verify against $file: $(cat "$WORK/verify")"
done
[[ $(find "$certs/certs.d" -type f | wc -l) == 2 ]] || fail "ca --certs-d left other files behind"

# Errors: exit 1 and a single line; usage: exit 2.
expect_exit() {
  local want=$1 pattern=$2
  shift 2
  local status=0
  "$OPERATOR" ca "$@" >"$WORK/out" 2>"$WORK/err" || status=$?
  [[ $status == "$want" ]] || fail "ca $* exited $status, expected $want: $(cat "$WORK/err")"
  [[ ! -s $WORK/out ]] || fail "ca $* printed to stdout on failure: $(cat "$WORK/out")"
  [[ $(wc -l <"$WORK/err") == 1 ]] || fail "ca $* did not print exactly one line on stderr: $(cat "$WORK/err")"
  grep -q -- "$pattern" "$WORK/err" || fail "ca $* said '$(cat "$WORK/err")', expected '$pattern'"
}
expect_exit 1 'RegistryConfig "nope" not found in namespace' --namespace "$NS" --name nope
expect_exit 1 'cannot load cluster configuration' --kubeconfig "$WORK/missing.kubeconfig" \
  --namespace "$NS" --name image-registry
expect_exit 2 'namespace' --name image-registry
expect_exit 2 'unrecognised\|unrecognized' --namespace "$NS" --name image-registry --bogus
"$OPERATOR" ca --help >"$WORK/help" || fail "ca --help exited $?"
grep -q -- "--certs-d" "$WORK/help" || fail "ca --help does not describe --certs-d"

k patch regcfg/image-registry --type=merge -p '{"spec":{"tls":{"mode":"Disabled"}}}' >/dev/null
expect_exit 1 'plain HTTP' --namespace "$NS" --name image-registry
log "PASS"

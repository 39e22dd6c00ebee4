# shellcheck shell=bash
# Shared helpers of the registry-tier tests that run Debian's real docker-registry on loopback
# (sourced by prune.sh and mirror.sh): the tools they need, a work folder, registries on free
# ports, and a trap that kills every process started here and removes the folder, pass or fail.
set -euo pipefail
: "${OPERATOR:?}" "${SOURCE_ROOT:?}"
REGISTRY_BIN=${REGISTRY_BIN:-/usr/bin/docker-registry}
# Never a silent pass: every tool these tests need must be there.
[[ -x $REGISTRY_BIN ]] || { echo "FAIL: docker-registry not found at $REGISTRY_BIN (apt-get install docker-registry)" >&2; exit 1; }
for tool in skopeo curl python3 openssl; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not found (hack/install-deps.sh)" >&2; exit 1; }
done
# Everything is on this machine; a proxy from the environment must not see it.
export NO_PROXY='*' no_proxy='*'

work=$(mktemp -d "/tmp/registry-$(basename "$0" .sh).XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/*/registry.log; do
    [[ -f $log ]] && { echo "--- $log" >&2; tail -n 15 "$log" >&2; }
  done
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# shellcheck disable=SC2034 # used by the tests that source this
ACCEPT="application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json"

# serve NAME DELETE [extra config lines]: a registry in $work/NAME on a free loopback port; sets
# $port. The extra lines go under the top level of config.yml (auth), or under http: when they
# are indented (tls). With scheme=https, the readiness probe trusts ${cacert:-$work/tls.crt}.
serve() {
  local name=$1 delete=$2 extra=${3:-}
  mkdir -p "$work/$name/storage"
  port=$(free_port)
  cat >"$work/$name/config.yml" <<YAML
version: 0.1
log: {level: info}
storage:
  filesystem: {rootdirectory: $work/$name/storage}
  delete: {enabled: $delete}
http:
  addr: 127.0.0.1:$port
  secret: registry-tier-test
$extra
YAML
  "$REGISTRY_BIN" serve "$work/$name/config.yml" >"$work/$name/registry.log" 2>&1 &
  pids+=($!)
  local pid=$! code="" curl_tls=()
  [[ ${scheme:-http} == https ]] && curl_tls=(--cacert "${cacert:-$work/tls.crt}")
  for _ in $(seq 1 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "${curl_tls[@]}" "${scheme:-http}://127.0.0.1:$port/v2/" || true)
    [[ $code == 200 || $code == 401 ]] && return 0
    kill -0 "$pid" 2>/dev/null || fail "docker-registry $name exited"
    sleep 0.1
  done
  fail "registry $name does not answer /v2/ ($code)"
}

# make_htpasswd USER PASSWORD FILE: a bcrypt htpasswd entry, from htpasswd (apache2-utils) when
# installed, else from Python's crypt with the Blowfish method; cost 4, the least bcrypt allows,
# as the registry checks it on every request.
make_htpasswd() {
  local user=$1 password=$2 file=$3
  if command -v htpasswd >/dev/null; then
    htpasswd -nbB -C 4 "$user" "$password" | head -n 1 >"$file"
  else
    python3 -W ignore - "$user" "$password" >"$file" <<'PY' || fail "neither htpasswd nor Python's crypt with bcrypt is available"
import crypt, sys
if crypt.METHOD_BLOWFISH not in crypt.methods: sys.exit("no bcrypt in Python's crypt")
print(sys.argv[1] + ":" + crypt.crypt(sys.argv[2], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))
PY
  fi
}

# json_field FILE KEY: KEY of the last line of FILE (a command's JSON summary), as JSON.
json_field() { python3 -c 'import json,sys; print(json.dumps(json.loads(open(sys.argv[1]).read().splitlines()[-1])[sys.argv[2]]))' "$1" "$2"; }

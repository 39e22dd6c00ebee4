# shellcheck shell=bash
# Shared helpers for the e2e tests (sourced). Each test gets a namespace of its own and an
# operator process of its own, both removed when the test exits, pass or fail.
set -euo pipefail
: "${SOURCE_ROOT:?}" "${OPERATOR:?}" "${KUBECONFIG:?}"
source "$SOURCE_ROOT/hack/versions.sh"
source "$SOURCE_ROOT/hack/cluster-network.sh"
export KUBECONFIG
# Everything a test talks to is on this machine; a proxy from the environment must not see it.
export NO_PROXY='*' no_proxy='*'
# Built by hack/build-images.sh and loaded into the real node (the ctest fixture `images`).
# shellcheck disable=SC2034 # used by the tests that source this
REGISTRY_IMAGE=localhost/registry:dev
# shellcheck disable=SC2034
OPERATOR_IMAGE=localhost/registry-operator:dev
# shellcheck disable=SC2034
TOOLBOX_IMAGE=localhost/toolbox:dev

TEST_NAME=$(basename "$0" .sh)
NS="e2e-${TEST_NAME//_/-}-$RANDOM"
WORK=$(mktemp -d "/tmp/e2e-$TEST_NAME.XXXXXX")
OPERATOR_LOG="$WORK/operator.log"
operator_pid=""
EXTRA_NAMESPACES=()

kubectl() { "$K8S_BIN/kubectl" "$@"; }
k() { "$K8S_BIN/kubectl" -n "$NS" "$@"; }
log() { echo "[$TEST_NAME] $*" >&2; }
# The reason is said again as the last line of the output, after cleanup's report, because CI
# logs are often read from the end.
FAIL_REASON=""
fail() {
  FAIL_REASON=$*
  echo "[$TEST_NAME] FAIL: $*" >&2
  exit 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# secrets_in_logs: fails (naming the Secret and key, never the value) if a value of a Secret in
# the test's namespaces appears in the operator's log or in an Event: httpSecrets, keys,
# passwords and tokens must never be logged. Certificates are public and not looked for.
secrets_in_logs() {
  local ns
  for ns in "$NS" "${EXTRA_NAMESPACES[@]}"; do
    kubectl -n "$ns" get events -o json >>"$WORK/events.json" 2>/dev/null || true
    kubectl -n "$ns" get secrets -o json 2>/dev/null || echo '{"items":[]}'
  done | python3 -c '
import base64, json, sys
logs = open(sys.argv[1], "rb").read() + open(sys.argv[2], "rb").read()
decoder, text, found = json.JSONDecoder(), sys.stdin.read(), False
while text.strip():
    document, end = decoder.raw_decode(text.lstrip())
    text = text.lstrip()[end:]
    for secret in document["items"]:
        for key, value in (secret.get("data") or {}).items():
            if key.endswith(".crt") or key.endswith("ca-bundle"):
                continue
            raw = base64.b64decode(value).strip()
            if len(raw) >= 12 and raw in logs:
                print("secret %s/%s key %s appears in a log or Event" % (
                    secret["metadata"]["namespace"], secret["metadata"]["name"], key))
                found = True
sys.exit(1 if found else 0)
' "$OPERATOR_LOG" "$WORK/events.json"
}

cleanup() {
  local status=$?
  set +e # every step runs, whatever the one before it did
  stop_operator
  touch "$OPERATOR_LOG" "$WORK/events.json"
  if ! secrets_in_logs >&2; then
    echo "[$TEST_NAME] FAIL: a Secret's value was logged" >&2
    status=1
  fi
  if [[ $status -ne 0 ]]; then
    echo "---- operator log (last 60 lines) ----" >&2
    tail -n 60 "$OPERATOR_LOG" >&2 2>/dev/null || true
    echo "---- objects in $NS ----" >&2
    k get regcfg,deploy,rs,pods,svc,ingress,secret,cm,cronjob,pdb -o wide >&2 2>/dev/null || true
    # Whole CRs only while they fit on a screen; the fault tests' hundred would bury the reason.
    if (($(k get regcfg -o name 2>/dev/null | wc -l) <= 5)); then
      k get regcfg -o yaml >&2 2>/dev/null || true
    fi
    echo "[$TEST_NAME] FAIL: ${FAIL_REASON:-exit status $status}" >&2
  fi
  local ns
  for ns in "$NS" "${EXTRA_NAMESPACES[@]}"; do
    kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
  done
  rm -rf "$WORK"
  exit $status
}
trap cleanup EXIT

# Polled rather than `kubectl wait --for=condition=Established`: on a CRD created a moment ago
# (the first test after `up`) that fails at once on the still empty status ("accessor error:
# <nil>") instead of waiting.
# crd_established NAME
crd_established() {
  [[ $(kubectl get crd "$1" -o 'jsonpath={.status.conditions[?(@.type=="Established")].status}' \
    2>/dev/null) == True ]]
}
install_crd() {
  kubectl apply -f "$SOURCE_ROOT/crds/registryconfigs.imageregistry.io.yaml" >/dev/null
  wait_for "the RegistryConfig CRD to be established" 60 crd_established registryconfigs.imageregistry.io
}

# start_operator [extra flags...]: runs the operator on this test's namespace only, on plain
# Kubernetes unless PLATFORM says otherwise (another test may have installed the Route CRD), and
# waits until it is ready. Its registry pods run on the real node, from the image built here.
start_operator() {
  start_operator_detached "$@"
  wait_for "operator ready" 60 curl -sf "http://127.0.0.1:$HEALTH_PORT/readyz"
}

# start_operator_detached [extra flags...]: the same without waiting (the apiserver may be down
# on purpose).
start_operator_detached() {
  METRICS_PORT=$(free_port)
  HEALTH_PORT=$(free_port)
  "$OPERATOR" run --namespace "$NS" --ingress-domain apps.e2e.test --platform "${PLATFORM:-kubernetes}" \
    --registry-image "$REGISTRY_IMAGE" --operator-image "$OPERATOR_IMAGE" \
    --metrics-addr "127.0.0.1:$METRICS_PORT" --health-addr "127.0.0.1:$HEALTH_PORT" \
    --log-level debug "$@" >>"$OPERATOR_LOG" 2>&1 &
  operator_pid=$!
}

stop_operator() {
  if [[ -n $operator_pid ]]; then
    kill -TERM "$operator_pid" 2>/dev/null || true
    wait "$operator_pid" 2>/dev/null || true
    operator_pid=""
  fi
}

# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND until it succeeds or time runs out.
wait_for() {
  local what=$1 seconds=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "timed out after ${seconds}s waiting for: $what"
    sleep 0.5
  done
}

# jsonpath NAME KIND PATH: one field of one object in the test namespace ("" if absent).
jsonpath() { k get "$1" "$2" -o "jsonpath=$3" 2>/dev/null || true; }
condition() { jsonpath regcfg "$1" "{.status.conditions[?(@.type==\"$2\")].status}"; }
condition_reason() { jsonpath regcfg "$1" "{.status.conditions[?(@.type==\"$2\")].reason}"; }
condition_is() { [[ $(condition "$1" "$2") == "$3" ]]; }
exists() { k get "$1" "$2" >/dev/null 2>&1; }
absent() { ! k get "$1" "$2" >/dev/null 2>&1; }
replicaset_count() { k get rs -l app.kubernetes.io/instance="$1" -o name 2>/dev/null | wc -l; }

# Total reconciles so far, from the operator's /metrics.
reconcile_count() {
  curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" |
    awk '/^controller_runtime_reconcile_total/ {sum += $NF} END {print sum + 0}'
}
reconciled_since() { (($(reconcile_count) > $1)); }

# Applies the sample CR into the test namespace and waits until it is Available.
apply_sample_and_wait() {
  k apply -f "$SOURCE_ROOT/crds/samples/registryconfig.yaml" >/dev/null
  wait_for "image-registry Available" 120 condition_is image-registry Available True
}

# token_kubeconfig TOKEN FILE: writes FILE, a kubeconfig for this cluster that authenticates
# with the bearer TOKEN (a ServiceAccount's), its namespace this test's.
token_kubeconfig() {
  local server ca
  server=$(kubectl config view --raw --minify -o 'jsonpath={.clusters[0].cluster.server}')
  ca=$(kubectl config view --raw --minify -o 'jsonpath={.clusters[0].cluster.certificate-authority-data}')
  cat >"$2" <<KC
apiVersion: v1
kind: Config
current-context: operator
contexts: [{name: operator, context: {cluster: local, user: operator, namespace: $NS}}]
clusters: [{name: local, cluster: {server: "$server", certificate-authority-data: "$ca"}}]
users: [{name: operator, user: {token: "$1"}}]
KC
}

# extra_namespace VAR SUFFIX: creates another namespace for this test (another tenant), removed
# with the test's own, and sets VAR to its name.
extra_namespace() {
  local name="$NS-$2"
  kubectl create namespace "$name" >/dev/null
  EXTRA_NAMESPACES+=("$name")
  printf -v "$1" '%s' "$name"
}

kubectl create namespace "$NS" >/dev/null
install_crd

# ---------------------------------------------------------------------------------------------
# The real node

# pods_of INSTANCE FIELD: one jsonpath FIELD of each pod of a RegistryConfig, space separated.
pods_of() { k get pods -l app.kubernetes.io/instance="$1" -o "jsonpath={.items[*]$2}" 2>/dev/null || true; }

# running_on_real_node INSTANCE: every pod of INSTANCE is Running and ready on the real node, and
# there is at least one.
running_on_real_node() {
  local nodes phases ready
  nodes=$(pods_of "$1" .spec.nodeName)
  phases=$(pods_of "$1" .status.phase)
  ready=$(pods_of "$1" '.status.containerStatuses[*].ready')
  [[ -n $nodes ]] && only "$NODE_NAME" "$nodes" && only Running "$phases" && only true "$ready"
}
# registry_pods INSTANCE FIELD: a jsonpath FIELD of each registry pod of INSTANCE (not its Jobs').
registry_pods() {
  k get pods -l "app.kubernetes.io/instance=$1,app.kubernetes.io/component=registry" \
    -o "jsonpath={.items[*]$2}" 2>/dev/null || true
}
# registry_pods_replaced INSTANCE OLD_UIDS: the registry pods of OLD_UIDS are gone (a roll is
# over) and the new ones are ready.
registry_pods_replaced() {
  local uid uids
  uids=$(registry_pods "$1" .metadata.uid)
  for uid in $2; do [[ $uids != *"$uid"* ]] || return 1; done
  only Running "$(registry_pods "$1" .status.phase)" &&
    only true "$(registry_pods "$1" '.status.containerStatuses[*].ready')"
}
# save_registry_logs INSTANCE: appends the logs of every container of INSTANCE's registry pods to
# $WORK/registry-pods.log, for a test to look for what must never be logged (call it before a
# roll replaces the pods that served the requests).
save_registry_logs() {
  local pod
  for pod in $(registry_pods "$1" .metadata.name); do
    k logs "$pod" --all-containers >>"$WORK/registry-pods.log" 2>/dev/null || true
  done
}
# only VALUE WORDS: WORDS is not empty and every word of it is VALUE.
only() { [[ -n $2 ]] && ! tr ' ' '\n' <<<"$2" | grep -qvxF "$1"; }

# cluster_dns NAME: the A record of NAME as the cluster DNS answers it.
cluster_dns() { dig +short +time=2 +tries=2 "@$DNS_SERVICE_IP" "$1" | tail -n 1; }

# with_hosts FILE COMMAND...: runs COMMAND in a private mount namespace whose /etc/hosts is FILE,
# so that this host resolves cluster names without touching the machine's own /etc/hosts.
with_hosts() {
  local file=$1
  shift
  # shellcheck disable=SC2016 # expanded by that sh
  unshare --mount --propagation private -- sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$file" "$@"
}

# reach_registry NAME [http]: lets this host talk to registry NAME of the test namespace through
# its Service, over TLS verified against ConfigMap NAME-ca (or over plain HTTP with `http`),
# without touching the machine's /etc/hosts. Sets REGISTRY_CERTS (a directory holding that
# ca.crt, for skopeo's --cert-dir options) and REGISTRY_IP (the ClusterIP), and waits until the
# registry answers (200, or 401 with auth). registry_skopeo ARGS... then runs skopeo with
# NAME.<namespace>.svc resolving to that ClusterIP, and to the ClusterIPs of the registries
# reached before.
reach_registry() {
  local name=$1 scheme=${2:-https} host="$1.$NS.svc:5000" curl_tls=()
  REGISTRY_IP=$(jsonpath svc "$name" '{.spec.clusterIP}')
  [[ -n $REGISTRY_IP ]] || fail "Service $name has no ClusterIP"
  REGISTRY_CERTS=$WORK/certs/$host
  mkdir -p "$REGISTRY_CERTS"
  if [[ $scheme == https ]]; then
    k get configmap "$name-ca" -o 'jsonpath={.data.ca\.crt}' >"$REGISTRY_CERTS/ca.crt"
    [[ -s $REGISTRY_CERTS/ca.crt ]] || fail "ConfigMap $name-ca has no ca.crt"
    curl_tls=(--cacert "$REGISTRY_CERTS/ca.crt")
  fi
  [[ -f $WORK/registry-hosts ]] || echo '127.0.0.1 localhost' >"$WORK/registry-hosts"
  printf '%s %s.%s.svc\n' "$REGISTRY_IP" "$name" "$NS" >>"$WORK/registry-hosts"
  # kube-proxy routes the Service to the pod a moment after the pod is ready. A registry with
  # auth answers 401 to the anonymous request, which is an answer all the same.
  wait_for "$host to answer through its Service" 60 registry_answers "$scheme://$host/v2/" \
    "${curl_tls[@]}" --resolve "$host:$REGISTRY_IP"
}
# registry_answers URL [CURL ARGS...]: GET URL answers 200, or 401 (a registry with auth).
registry_answers() {
  local url=$1 code
  shift
  code=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url" || true)
  [[ $code == 200 || $code == 401 ]]
}
registry_skopeo() { with_hosts "$WORK/registry-hosts" skopeo --insecure-policy "$@"; }

# job_succeeded JOB: the Job has succeeded; fails the test (with the Job's log) once it failed.
job_succeeded() {
  local succeeded failed
  succeeded=$(jsonpath job "$1" '{.status.succeeded}')
  failed=$(jsonpath job "$1" '{.status.failed}')
  [[ -z $failed || $failed == 0 ]] || fail "Job $1 failed: $(k logs "job/$1" 2>&1 | tail -n 20)"
  [[ $succeeded == 1 ]]
}

# make_oci_image DIR CONTENT [CREATED]: an OCI image layout in DIR, tag `1`, one layer holding
# /hello.txt with CONTENT, its config's creation time CREATED (RFC 3339, default
# 2026-01-01T00:00:00Z). Built by hand (no base image can be pulled here). Prints the digest.
make_oci_image() {
  python3 - "$1" "$2" "${3:-2026-01-01T00:00:00Z}" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
out, content, created = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
os.makedirs(f"{out}/blobs/sha256", exist_ok=True)
def blob(data):
    digest = hashlib.sha256(data).hexdigest()
    open(f"{out}/blobs/sha256/{digest}", "wb").write(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w") as tar:
    info = tarfile.TarInfo("hello.txt"); info.size = len(content); info.mode = 0o644
    tar.addfile(info, io.BytesIO(content))
diff_id = "sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()
layer = blob(gzip.compress(raw.getvalue(), mtime=0))
config = blob(json.dumps({"architecture": "amd64", "os": "linux",
    "config": {"Cmd": ["/hello.txt"]}, "created": created,
    "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode())
manifest = blob(json.dumps({"schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": dict(config, mediaType="application/vnd.oci.image.config.v1+json"),
    "layers": [dict(layer, mediaType="application/vnd.oci.image.layer.v1.tar+gzip")]}).encode())
json.dump({"schemaVersion": 2, "manifests": [dict(manifest,
    mediaType="application/vnd.oci.image.manifest.v1+json",
    annotations={"org.opencontainers.image.ref.name": "1"})]}, open(f"{out}/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(f"{out}/oci-layout", "w"))
print(manifest["digest"])
PY
}

#!/usr/bin/env bash
# The main job: build the operator, start the local cluster (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, a real node with containerd, kubelet, kube-proxy and
# CoreDNS, and kwok nodes), install the CRD, apply the sample RegistryConfig, run the operator and
# show the registry running on the real node, with the commands to push to it. Runs until Ctrl-C,
# then stops the operator and the cluster.
#
#   hack/run.sh [--keep]     --keep leaves the control plane running after Ctrl-C
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$PATH:/usr/local/go/bin"
source hack/versions.sh
source hack/cluster-network.sh

keep=false
[[ ${1:-} == --keep ]] && keep=true
log() { echo "[run] $*" >&2; }

hack/install-deps.sh
hack/build-upstream.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target registry-operator

export CONTROLPLANE_DIR=${CONTROLPLANE_DIR:-$root/build/controlplane-run}
hack/controlplane.sh up
OPERATOR_BINARY=$root/build/registry-operator hack/controlplane.sh load-images operator
export KUBECONFIG=$CONTROLPLANE_DIR/admin.kubeconfig
kubectl() { "$K8S_BIN/kubectl" "$@"; }

operator_pid=""
cleanup() {
  [[ -n $operator_pid ]] && kill "$operator_pid" 2>/dev/null && wait "$operator_pid" 2>/dev/null || true
  if ! $keep; then hack/controlplane.sh down; fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM

log "installing the RegistryConfig CRD"
kubectl apply -f crds/registryconfigs.imageregistry.io.yaml >/dev/null
# Polled: `kubectl wait --for=condition=Established` fails at once on the empty status of a CRD
# created a moment ago.
for _ in $(seq 120); do
  [[ $(kubectl get crd registryconfigs.imageregistry.io \
    -o 'jsonpath={.status.conditions[?(@.type=="Established")].status}') == True ]] && break
  sleep 0.5
done

log "starting the operator (log: build/operator-run.log)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
metrics_port=$(free_port)
health_port=$(free_port)
# The registry and pruner images are the ones hack/build-images.sh built and loaded into the node.
./build/registry-operator run --ingress-domain apps.registry.test \
  --registry-image localhost/registry:dev --operator-image localhost/registry-operator:dev \
  --metrics-addr "127.0.0.1:$metrics_port" --health-addr "127.0.0.1:$health_port" \
  >build/operator-run.log 2>&1 &
operator_pid=$!

log "applying the sample RegistryConfig (crds/samples/registryconfig.yaml)"
kubectl apply -n default -f crds/samples/registryconfig.yaml
kubectl patch -n default regcfg/image-registry --type=merge -p '{"spec":{"defaultRoute":true}}' >/dev/null
log "waiting for the registry to become Available"
kubectl wait -n default --for=condition=Available regcfg/image-registry --timeout=180s
kubectl get -n default regcfg,deploy,svc,ingress,secret,cronjob,pods -o wide
log "the registry pod runs on the real node $NODE_NAME:"
kubectl get -n default pods -l app.kubernetes.io/instance=image-registry \
  -o 'custom-columns=POD:.metadata.name,NODE:.spec.nodeName,PHASE:.status.phase,IP:.status.podIP'
cat >&2 <<EOF

[run] To push to it from this machine (TLS verified against the operator's CA):

  export KUBECONFIG=$KUBECONFIG
  $root/build/registry-operator ca --namespace default --name image-registry --certs-d /tmp/certs.d
  # image-registry.default.svc resolves through the cluster DNS ($DNS_SERVICE_IP); give it to a
  # private /etc/hosts so that the machine's own stays untouched:
  echo "\$(dig +short @$DNS_SERVICE_IP image-registry.default.svc.$CLUSTER_DOMAIN) image-registry.default.svc" >/tmp/hosts
  unshare -m sh -c 'mount --bind /tmp/hosts /etc/hosts && skopeo copy \\
    --dest-cert-dir /tmp/certs.d/image-registry.default.svc:5000 \\
    oci:/path/to/layout:tag docker://image-registry.default.svc:5000/team-a/app:1'

EOF
log "metrics: http://127.0.0.1:$metrics_port/metrics  health: http://127.0.0.1:$health_port/readyz"
log "the registry runs; operator log: build/operator-run.log; KUBECONFIG=$KUBECONFIG"
log "press Ctrl-C to stop"
wait "$operator_pid"

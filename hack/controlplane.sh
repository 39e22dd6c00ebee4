#!/usr/bin/env bash
# A real, local Kubernetes cluster for tests: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, a real node (containerd, runc, CNI bridge, kubelet, kube-proxy, CoreDNS; see
# hack/node.sh) and kwok (fake nodes whose pods become Running/Ready without running anything,
# tainted so that only scale tests that tolerate the taint land there).
#
#   hack/controlplane.sh up [--no-real-node]
#                                           start (or keep) the cluster; prints progress.
#                                           --no-real-node: control plane and kwok only, all on
#                                           127.0.0.1 (scale runs; needs no root)
#   hack/controlplane.sh down               stop everything, remove state but keep logs/
#   hack/controlplane.sh env                print `export KUBECONFIG=...` (and kubectl on PATH)
#   hack/controlplane.sh status             which components run, and the apiserver version
#   hack/controlplane.sh restart-apiserver  SIGKILL kube-apiserver and start it again, same flags
#   hack/controlplane.sh stop-apiserver     SIGKILL kube-apiserver (fault tests)
#   hack/controlplane.sh start-apiserver [--flag=value...]
#                                           start it again, with the flags of `up` and these
#   hack/controlplane.sh load-images IMAGE...
#                                           build (hack/build-images.sh) and load images into the
#                                           real node's containerd, e.g. `operator`
#
# Test users alice, bob and carol log in with the bearer tokens in $CONTROLPLANE_DIR/users/
# (--token-auth-file); they have no rights until a test binds a role.
#
# State (certificates, etcd data, pid files, kubeconfigs, logs) lives in $CONTROLPLANE_DIR, by
# default <repo>/build/controlplane. The binaries come from hack/build-upstream.sh's cache, the
# node's images from hack/build-images.sh. With the real node the apiserver listens on the node's
# bridge address (198.18.0.1), so that pods reach it through the `kubernetes` Service; without
# it, on 127.0.0.1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=hack/versions.sh
source "$here/versions.sh"
# shellcheck source=hack/cluster-network.sh
source "$here/cluster-network.sh"

DIR=${CONTROLPLANE_DIR:-$repo/build/controlplane}
# Pid files and kubeconfigs hold this path; a relative one would break once the caller cd's.
[[ $DIR == /* ]] || DIR=$PWD/$DIR
PKI=$DIR/pki
RUN=$DIR/run
LOGS=$DIR/logs
KUBECONFIG_ADMIN=$DIR/admin.kubeconfig

# Start order; stopped in reverse. The real node's components follow when it is enabled.
CONTROL_PLANE_COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
NODES=(kwok-node-0 kwok-node-1)
# What each fake node offers: enough that the two hold the pods of 1,000 registries and more
# (bench/), each asking for the default 100m CPU and 256Mi. kubelet's default of 110 pods per
# node would stop a scale run at 220.
KWOK_NODE_PODS=2000
KWOK_NODE_CPU=1000
KWOK_NODE_MEMORY=4Ti
POD_CIDR=$KWOK_POD_CIDR
NODE_IP_PREFIX=$KWOK_NODE_IP_PREFIX
KWOK_TAINT_KEY=kwok.x-k8s.io/node
KWOK_TAINT_VALUE=fake
KWOK_TAINT_EFFECT=NoSchedule
STOP_GRACE_SECONDS=15

# shellcheck source=hack/node.sh
source "$here/node.sh"

log() { echo "[controlplane] $*" >&2; }

bin_of() {
  case $1 in
  etcd) echo "$ETCD_BIN/etcd" ;;
  kwok) echo "$KWOK_BIN/kwok" ;;
  containerd) command -v containerd || echo /usr/bin/containerd ;;
  *) echo "$K8S_BIN/$1" ;;
  esac
}

kubectl() { "$K8S_BIN/kubectl" --kubeconfig="$KUBECONFIG_ADMIN" "$@"; }

# curl honours HTTPS_PROXY even for 127.0.0.1; everything here is loopback.
curl_q() { curl --noproxy '*' -fsS --max-time 5 "$@"; }

# ---------------------------------------------------------------------------------------------
# Processes

pid_of() {
  local f=$RUN/$1.pid
  [[ -s $f ]] || return 1
  cat "$f"
}

# A pid file may outlive its process (reboot, kill -9) and the pid be reused, so a component
# counts as alive only if that pid still runs the component's binary. A zombie (our own child
# that exited) has no exe link and so counts as dead too.
alive() {
  local pid exe want
  pid=$(pid_of "$1") || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  exe=${exe% (deleted)} # the cache was rebuilt under a running process
  want=$(readlink -f "$(bin_of "$1")" 2>/dev/null || bin_of "$1")
  [[ $exe == "$want" ]]
}

# pid_gone PID: every thread of the process has exited (it no longer exists or is a zombie). Only
# then are its files, listening sockets included, closed. Neither `alive` turning false
# (/proc/PID/exe goes away early in exit(2)) nor the main thread being a zombie (Go's other
# threads may still be exiting and hold the fd table) is enough before reusing a port.
pid_gone() {
  local t state
  for t in /proc/"$1"/task/*/stat; do
    state=$(sed -n 's/^[0-9]* (.*) \(.\) .*/\1/p' "$t" 2>/dev/null) || continue
    [[ -z $state || $state == [ZX] ]] || return 1
  done
  return 0
}

# port_free PORT: nothing listens on 127.0.0.1:PORT.
port_free() { [[ -z $(ss -Hltn "sport = :$1" 2>/dev/null) ]]; }

# start NAME ARGS...: runs the component detached from the caller (own session, no terminal, no
# inherited stdout/stderr) so it outlives this script and never holds a test runner's pipes open.
# The arguments are saved so that restart-apiserver can reuse them verbatim.
start() {
  local name=$1
  shift
  printf '%s\n' "$@" >"$RUN/$name.args"
  start_command "$name" "$(bin_of "$name")" "$@"
}

# start_command NAME COMMAND...: like start, for a COMMAND that ends by exec'ing NAME's binary in
# place (unshare, nsenter), so the pid recorded is still the component's own.
start_command() {
  local name=$1
  shift
  # A background job of a non-interactive shell is not a process group leader, so setsid
  # calls setsid(2) and execs in place: $! is the component's own pid. The lock's file
  # descriptor is closed in the child, else the component would hold the lock for its lifetime.
  setsid "$@" </dev/null >>"$LOGS/$name.log" 2>&1 {lock_fd}>&- &
  echo $! >"$RUN/$name.pid"
}

stop() {
  local name=$1 pid grace=$STOP_GRACE_SECONDS
  # The apiserver's endpoint reconciler (with a real node) holds its shutdown for a long time to
  # remove its own endpoint; the state is thrown away anyway.
  [[ $name != kube-apiserver ]] || grace=5
  if alive "$name"; then
    pid=$(pid_of "$name")
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + grace))
    while ! pid_gone "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
    if ! pid_gone "$pid"; then
      log "$name did not exit within ${grace}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while ! pid_gone "$pid"; do sleep 0.1; done
    fi
  fi
  rm -f "$RUN/$name.pid"
}

stop_all() {
  local i
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do stop "${COMPONENTS[i]}"; done
}

# Everything but the logs (readable until the next `up`) and the lock file (held right now).
remove_state() {
  [[ -d $DIR ]] || return 0
  find "$DIR" -mindepth 1 -maxdepth 1 ! -name logs ! -name logs.failed ! -name .lock -exec rm -rf {} +
}

# Serialises up/down/restart-apiserver on one state directory (e.g. parallel test runners).
lock() {
  mkdir -p "$DIR"
  exec {lock_fd}>"$DIR/.lock"
  flock -w 600 "$lock_fd" || {
    log "error: another controlplane.sh holds $DIR/.lock"
    exit 1
  }
}

# fail COMPONENT MESSAGE: report with the tail of the component's log and exit non-zero; the EXIT
# trap set by `up` then stops whatever was started.
fail() {
  log "error: $2"
  if $REAL_NODE; then
    log "the node's bridge and routes:"
    { ip -br addr show "$NODE_BRIDGE" 2>&1; ip route show table all | grep -E '198\.1[89]\.'; } | sed 's/^/    /' >&2 || true
  fi
  if [[ -s $LOGS/$1.log ]]; then
    log "last lines of $LOGS/$1.log:"
    tail -n 40 "$LOGS/$1.log" | sed 's/^/    /' >&2
  fi
  exit 1
}

# wait_for COMPONENT TIMEOUT WHAT CMD...: poll CMD until it succeeds; fail early if COMPONENT
# (the one whose log explains a failure) has died.
wait_for() {
  local name=$1 timeout=$2 what=$3
  shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    alive "$name" || fail "$name" "$name exited while waiting for $what"
    ((SECONDS < deadline)) || fail "$name" "timed out after ${timeout}s waiting for $what"
    sleep 0.5
  done
}

# ---------------------------------------------------------------------------------------------
# Ports

# Ports are chosen below the kernel's ephemeral range: an ephemeral port that is free now can be
# taken at any moment as the source port of some outgoing connection, e.g. while the apiserver's
# port is unbound during restart-apiserver.
pick_ports() {
  local n=$1 lo hi low_eph used p
  read -r low_eph _ </proc/sys/net/ipv4/ip_local_port_range
  # Nor in the NodePort range (30000-32767): kube-proxy would take a NodePort of that number on
  # the node's address, where the apiserver and the kubelet listen.
  ((low_eph <= 30000)) || low_eph=30000
  lo=20000
  hi=$((low_eph - 1))
  ((hi > lo + 1000)) || {
    lo=10000
    hi=$((low_eph - 1))
  }
  # Every local TCP port with a socket in any state (listening, connected, TIME_WAIT).
  used=" $(ss -Htan 2>/dev/null | awk '{n=split($4,a,":"); print a[n]}' | sort -u | tr '\n' ' ') "
  local picked=()
  while ((${#picked[@]} < n)); do
    p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
    [[ $used == *" $p "* ]] && continue
    # Belt and braces where ss is missing: something answering on the port means it is taken.
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi
    used+="$p "
    picked+=("$p")
  done
  echo "${picked[@]}"
}

# ---------------------------------------------------------------------------------------------
# Certificates and kubeconfigs

# issue NAME SUBJECT EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES]: a key and a certificate signed by
# the CA ($CA, default `ca`). Go (and so every Kubernetes component) checks key usages, so set
# them explicitly.
issue() {
  local name=$1 subject=$2 eku=$3 san=${4:-} ca=${CA:-ca}
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    [[ -z $san ]] || echo "subjectAltName=$san"
  } >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 3650 -sha256 \
    -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

# new_ca NAME CN: a self-signed CA, $PKI/NAME.key and $PKI/NAME.crt.
new_ca() {
  openssl genrsa -out "$PKI/$1.key" 2048 2>/dev/null
  openssl req -x509 -new -key "$PKI/$1.key" -sha256 -days 3650 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/$1.crt"
}

generate_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  new_ca ca registry-operator-controlplane-ca
  # The first address of the service range is the `kubernetes` Service's ClusterIP, which
  # in-cluster clients dial; the node's address is where the apiserver listens with a real node.
  issue apiserver "/CN=kube-apiserver" serverAuth \
    "IP:127.0.0.1,IP:$NODE_IP,IP:$KUBERNETES_SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  issue admin "/O=system:masters/CN=admin" clientAuth
  # Their own identities, so the bootstrap RBAC roles for these components apply as in a real
  # cluster (and the audit trail tells them apart).
  issue kube-controller-manager "/CN=system:kube-controller-manager" clientAuth
  issue kube-scheduler "/CN=system:kube-scheduler" clientAuth
  # Service-account token signing pair: the apiserver signs with the private key and verifies
  # with the public one; kcm's token controller signs legacy token Secrets with the private key.
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  # Front-proxy (request-header) CA: a separate CA, because a client certificate from it lets its
  # holder assert any user in X-Remote-* headers. Without it, kcm and the scheduler (which
  # delegate authentication to the apiserver) log an error about the missing
  # requestheader-client-ca-file every few seconds, and aggregated APIs could not work.
  new_ca front-proxy-ca registry-operator-controlplane-front-proxy-ca
  CA=front-proxy-ca issue front-proxy-client "/CN=front-proxy-client" clientAuth
  if $REAL_NODE; then node_generate_pki; fi
  generate_test_users
}

# Test users who log in with a bearer token as a person does (kube-apiserver --token-auth-file),
# not only as ServiceAccounts: alice, bob and carol, in no group but system:authenticated, with
# no rights until a test binds a role. Their tokens are random per cluster, in
# $DIR/users/<name>.token.
TEST_USERS=(alice bob carol)
generate_test_users() {
  mkdir -p "$DIR/users"
  chmod 700 "$DIR/users"
  : >"$PKI/tokens.csv"
  local user token
  for user in "${TEST_USERS[@]}"; do
    token=$(openssl rand -hex 24)
    printf '%s' "$token" >"$DIR/users/$user.token"
    printf '%s,%s,%s\n' "$token" "$user" "uid-$user" >>"$PKI/tokens.csv"
  done
  chmod 600 "$PKI/tokens.csv" "$DIR"/users/*.token
}

# write_kubeconfig FILE USER CERT_NAME: CA and client certificate embedded, so the file is
# self-contained and can be copied or mounted anywhere.
write_kubeconfig() {
  local file=$1 user=$2 cert=$3
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: controlplane
  cluster:
    server: https://$APISERVER_HOST:$APISERVER_PORT
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 <"$PKI/$cert.crt")
    client-key-data: $(base64 -w0 <"$PKI/$cert.key")
contexts:
- name: $user@controlplane
  context:
    cluster: controlplane
    user: $user
    namespace: default
current-context: $user@controlplane
preferences: {}
EOF
  chmod 600 "$file"
}

# ---------------------------------------------------------------------------------------------
# Components

# Also restores the topology the cluster was started with (the apiserver's address with it).
load_ports() {
  # shellcheck source=/dev/null # written by `up`
  source "$DIR/ports.env"
  set_topology "${REAL_NODE:-false}"
}

etcd_ready() {
  local out
  out=$(curl_q "http://127.0.0.1:$ETCD_PORT/health") && [[ $out == *'"health":"true"'* ]]
}

apiserver_get() {
  curl_q --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://$APISERVER_HOST:$APISERVER_PORT$1"
}

apiserver_ready() { [[ $(apiserver_get /readyz) == ok ]]; }

# kcm and the scheduler serve /healthz anonymously (--authorization-always-allow-paths) over a
# self-signed certificate of their own.
secure_healthz() { [[ $(curl_q -k "https://127.0.0.1:$1/healthz") == ok ]]; }

kwok_healthz() { [[ $(curl_q "http://127.0.0.1:$KWOK_PORT/healthz") == ok ]]; }

apiserver_version() {
  apiserver_get /version | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p'
}

start_etcd() {
  log "starting etcd on 127.0.0.1:$ETCD_PORT"
  # --unsafe-no-fsync: test data is thrown away, and fsync latency on shared CI disks is what
  # makes a throwaway etcd slow (and the apiserver time out) on 2 cores.
  start etcd \
    --name=controlplane \
    --data-dir="$DIR/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="controlplane=http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster-state=new \
    --unsafe-no-fsync=true \
    --log-level=warn
  wait_for etcd 60 "etcd /health" etcd_ready
}

start_apiserver() {
  log "starting kube-apiserver on https://$APISERVER_HOST:$APISERVER_PORT"
  # With the real node the apiserver listens and advertises on the node's bridge address, so the
  # `kubernetes` Service's endpoints point there and pods reach it. Without it, on loopback; but
  # Endpoints refuse loopback addresses, so the endpoint reconciler would fail every 10 s:
  # --endpoint-reconciler-type=none (nothing dials the Service then: pods are fake).
  # --etcd-compaction-interval=10s (default 5m): old revisions disappear quickly, so tests can
  # see a watch resumed from a compacted resourceVersion answered with 410 Gone.
  local node_flags=(--endpoint-reconciler-type=none)
  if $REAL_NODE; then
    # kubelets are reached by address (the node name is in no DNS), with the apiserver's own
    # client identity, and their serving certificate is checked against the cluster CA.
    node_flags=(
      --kubelet-preferred-address-types=InternalIP
      --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt"
      --kubelet-client-key="$PKI/apiserver-kubelet-client.key"
      --kubelet-certificate-authority="$PKI/ca.crt"
    )
  fi
  start kube-apiserver \
    --advertise-address="$APISERVER_HOST" \
    --bind-address="$APISERVER_HOST" \
    --secure-port="$APISERVER_PORT" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --tls-cert-file="$PKI/apiserver.crt" \
    --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --authorization-mode=Node,RBAC \
    --token-auth-file="$PKI/tokens.csv" \
    --enable-admission-plugins=NodeRestriction \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
    --proxy-client-key-file="$PKI/front-proxy-client.key" \
    "${node_flags[@]}" \
    --etcd-compaction-interval=10s \
    --allow-privileged=true \
    --cert-dir="$PKI" \
    --profiling=false
  wait_for kube-apiserver 180 "kube-apiserver /readyz" apiserver_ready
}

restart_apiserver_process() {
  local args=()
  mapfile -t args <"$RUN/kube-apiserver.args"
  start kube-apiserver "${args[@]}"
  wait_for kube-apiserver 180 "kube-apiserver /readyz" apiserver_ready
}

start_controller_manager() {
  log "starting kube-controller-manager on https://127.0.0.1:$KCM_PORT"
  local kc=$DIR/kube-controller-manager.kubeconfig pki=$PKI home=$DIR/kube-controller-manager as_user=()
  if $REAL_NODE; then
    # kcm's hostpath provisioner (the local cluster's default StorageClass) makes each volume a
    # directory with mode 0750 owned by kcm's own user, and hostPath volumes get no fsGroup. So
    # kcm runs as the UID that the images here and the operator's pods use: their volumes are
    # then writable by them, as on a cluster whose storage honours fsGroup. Its files live under
    # the node's run directory, since the state directory may be one only root can enter, with
    # copies of the keys it reads (the PKI directory is root's alone).
    home=$NODE_RUN/kube-controller-manager
    install -d -m 0700 -o "$VOLUME_UID" -g "$VOLUME_UID" "$home" "$home/pki"
    pki=$home/pki
    install -m 0600 -o "$VOLUME_UID" -g "$VOLUME_UID" "$PKI"/{ca.crt,ca.key,sa.key} "$pki/"
    install -m 0600 -o "$VOLUME_UID" -g "$VOLUME_UID" "$kc" "$home/kubeconfig"
    kc=$home/kubeconfig
    as_user=(setpriv --reuid="$VOLUME_UID" --regid="$VOLUME_UID" --clear-groups --)
  fi
  # --use-service-account-credentials: each controller acts as its own service account, as in
  # a real cluster, so RBAC mistakes in tests show up the same way. --flex-volume-plugin-dir:
  # the default, /usr/libexec/kubernetes/kubelet-plugins/volume/exec, is created on the host.
  local args=(
    --kubeconfig="$kc"
    --authentication-kubeconfig="$kc"
    --authorization-kubeconfig="$kc"
    --bind-address=127.0.0.1
    --secure-port="$KCM_PORT"
    --cert-dir="$home"
    --leader-elect=false
    --controllers='*'
    --use-service-account-credentials=true
    --root-ca-file="$pki/ca.crt"
    --service-account-private-key-file="$pki/sa.key"
    --cluster-signing-cert-file="$pki/ca.crt"
    --cluster-signing-key-file="$pki/ca.key"
    --service-cluster-ip-range="$SERVICE_CIDR"
    --flex-volume-plugin-dir="$home/flexvolume"
    --enable-hostpath-provisioner=true
    --profiling=false
  )
  start_command kube-controller-manager "${as_user[@]}" "$(bin_of kube-controller-manager)" "${args[@]}"
}

start_scheduler() {
  log "starting kube-scheduler on https://127.0.0.1:$SCHEDULER_PORT"
  local kc=$DIR/kube-scheduler.kubeconfig
  start kube-scheduler \
    --kubeconfig="$kc" \
    --authentication-kubeconfig="$kc" \
    --authorization-kubeconfig="$kc" \
    --bind-address=127.0.0.1 \
    --secure-port="$SCHEDULER_PORT" \
    --cert-dir="$DIR/kube-scheduler" \
    --leader-elect=false
}

start_kwok() {
  log "starting kwok (health on http://127.0.0.1:$KWOK_PORT)"
  # An explicit, empty configuration keeps a developer's ~/.kwok/kwok.yaml (kwok's default
  # --config) out of the test cluster. With no Stage objects, kwok v0.7.0 uses its built-in
  # stages: nodes become Ready, pods Running and Ready, deleted pods go away.
  cat >"$DIR/kwok.yaml" <<'EOF'
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options: {}
EOF
  # Only nodes annotated kwok.x-k8s.io/node=fake are managed; --node-lease-duration-seconds
  # makes kwok renew a Lease per node (as kubelets do), so kcm never sees them stale and taints
  # them. --server-address serves /healthz on loopback (without it kwok serves nothing; with
  # --node-port alone it would bind 0.0.0.0).
  start kwok \
    --kubeconfig="$KUBECONFIG_ADMIN" \
    --config="$DIR/kwok.yaml" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --manage-nodes-with-label-selector= \
    --manage-single-node= \
    --cidr="$POD_CIDR" \
    --node-ip="${NODE_IP_PREFIX}1" \
    --node-lease-duration-seconds=40 \
    --server-address="127.0.0.1:$KWOK_PORT"
}

create_nodes() {
  local i name
  for i in "${!NODES[@]}"; do
    name=${NODES[i]}
    log "creating fake node $name"
    # Nodes accept status on create; kwok fills in conditions (Ready) and node info. Each node
    # gets its own address so that hostNetwork pods on different nodes differ. Beside a real
    # node they are tainted, so that only pods that tolerate it (scale tests) land here and
    # everything else really runs.
    kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: $name
    node-role.kubernetes.io/agent: ""
$(if $REAL_NODE; then
      printf 'spec:\n  taints:\n  - {key: %s, value: %s, effect: %s}\n' \
        "$KWOK_TAINT_KEY" "$KWOK_TAINT_VALUE" "$KWOK_TAINT_EFFECT"
    fi)
status:
  addresses:
  - type: InternalIP
    address: $NODE_IP_PREFIX$((10 + i))
  - type: Hostname
    address: $name
  allocatable: &capacity
    cpu: "$KWOK_NODE_CPU"
    memory: $KWOK_NODE_MEMORY
    pods: "$KWOK_NODE_PODS"
  capacity: *capacity
EOF
  done
}

nodes_ready() {
  local n
  for n in "${NODES[@]}"; do
    [[ $(kubectl get node "$n" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}') == True ]] || return 1
  done
}

# The proof that matters to tests: a Deployment's pod is scheduled and reported Ready: on the real
# node (a real sandbox and container) when there is one, else on a kwok node. Needs the scheduler,
# kcm (ReplicaSet controller, untainting nodes) and the node together.
smoke_test() {
  local ns=controlplane-smoke-$RANDOM
  log "checking that a pod becomes Ready (namespace $ns)"
  kubectl create namespace "$ns" >/dev/null
  # Pods are refused until the namespace's default ServiceAccount exists.
  wait_for kube-controller-manager 60 "the default ServiceAccount in $ns" \
    kubectl -n "$ns" get serviceaccount default
  kubectl -n "$ns" create deployment smoke --image=registry.k8s.io/pause:3.10 >/dev/null
  if ! kubectl -n "$ns" rollout status deployment/smoke --timeout=120s >/dev/null 2>&1; then
    log "error: the smoke pod did not become Ready; pods and nodes:"
    kubectl -n "$ns" get pods -o wide >&2 || true
    kubectl -n "$ns" describe pods >&2 || true
    kubectl get nodes -o wide >&2 || true
    fail kube-scheduler "no Ready pod for deployment $ns/smoke"
  fi
  # Remove the pod now, but do not wait for the namespace: the namespace controller takes ~5 s to
  # finalize even an empty namespace, and nothing is left in it to disturb tests.
  kubectl -n "$ns" delete deployment smoke --cascade=foreground --wait=true --timeout=60s >/dev/null
  kubectl -n "$ns" wait --for=delete pod -l app=smoke --timeout=60s >/dev/null
  kubectl delete namespace "$ns" --wait=false >/dev/null
}

# ---------------------------------------------------------------------------------------------
# Commands

# REAL_NODE (true/false) decides the components and the apiserver's address; `up` takes it from
# its flag and records it in ports.env, the other commands read it back.
set_topology() {
  REAL_NODE=false
  [[ $1 != true ]] || REAL_NODE=true
  COMPONENTS=("${CONTROL_PLANE_COMPONENTS[@]}")
  APISERVER_HOST=127.0.0.1
  if $REAL_NODE; then
    COMPONENTS+=("${NODE_COMPONENTS[@]}")
    APISERVER_HOST=$NODE_IP
  fi
}
set_topology false

# recorded_real_node: the REAL_NODE a running cluster was started with ("" if none).
recorded_real_node() { [[ -f $DIR/ports.env ]] && sed -n 's/^REAL_NODE=//p' "$DIR/ports.env"; }

all_running() {
  local c
  [[ $(recorded_real_node) == "$REAL_NODE" ]] || return 1
  for c in "${COMPONENTS[@]}"; do alive "$c" || return 1; done
  load_ports
  apiserver_ready
}

ensure_binaries() {
  local c
  for c in "${COMPONENTS[@]}" kubectl; do
    [[ $c != containerd ]] || continue
    if [[ ! -x $(bin_of "$c") ]]; then
      log "missing $(bin_of "$c"); building upstream binaries (hack/build-upstream.sh)"
      "$here/build-upstream.sh"
      return
    fi
  done
}

ensure_node_tools() {
  local tool missing=()
  for tool in containerd runc ctr unshare nsenter iptables ip6tables ip conntrack dig buildah; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  [[ -x /usr/lib/cni/bridge ]] || missing+=(/usr/lib/cni/bridge)
  if ((${#missing[@]})); then
    log "error: the real node needs ${missing[*]} (hack/install-deps.sh installs them)"
    exit 1
  fi
  [[ $(id -u) -eq 0 ]] || {
    log "error: the real node needs root (bridge, iptables, mounts); use --no-real-node without"
    exit 1
  }
}

cmd_up() {
  local real_node=true
  up_flags=("$@")
  while (($#)); do
    case $1 in
    --no-real-node) real_node=false ;;
    *) usage ;;
    esac
    shift
  done
  set_topology "$real_node"
  ensure_binaries
  if $REAL_NODE; then ensure_node_tools; fi
  lock
  if all_running; then
    log "already running in $DIR"
    log "kube-apiserver version: $(apiserver_version)"
    return 0
  fi
  local begin=$SECONDS
  log "starting a fresh control plane in $DIR"
  stop_everything
  remove_state
  rm -rf "$LOGS"
  [[ -n ${CONTROLPLANE_UP_RETRY:-} ]] || rm -rf "$LOGS.failed"
  mkdir -p "$RUN" "$LOGS" "$DIR/kube-controller-manager" "$DIR/kube-scheduler"
  # From here on, any failure stops what was started (logs stay for inspection).
  # A failed start is tried once more from scratch: twice in many runs, kube-controller-manager
  # died at start because a file or address that `up` had just made was gone a moment later, a
  # cause not found yet (the log of the failed try is kept as logs.failed).
  trap 'rc=$?; if ((rc != 0)); then
      log "up failed; stopping what was started (logs in $LOGS)"
      stop_everything
      if [[ -z ${CONTROLPLANE_UP_RETRY:-} ]]; then
        rm -rf "$LOGS.failed" && cp -r "$LOGS" "$LOGS.failed"
        log "trying once more"
        exec {lock_fd}>&-
        CONTROLPLANE_UP_RETRY=1 exec "$0" up "${up_flags[@]}"
      fi
    fi' EXIT

  local ports
  read -r -a ports <<<"$(pick_ports 10)"
  cat >"$DIR/ports.env" <<EOF
REAL_NODE=$REAL_NODE
ETCD_PORT=${ports[0]}
ETCD_PEER_PORT=${ports[1]}
APISERVER_PORT=${ports[2]}
KCM_PORT=${ports[3]}
SCHEDULER_PORT=${ports[4]}
KWOK_PORT=${ports[5]}
KUBELET_PORT=${ports[6]}
KUBELET_HEALTHZ_PORT=${ports[7]}
PROXY_HEALTHZ_PORT=${ports[8]}
PROXY_METRICS_PORT=${ports[9]}
EOF
  load_ports
  # The apiserver listens on the node's bridge, so the bridge comes first.
  if $REAL_NODE; then node_network_up; fi

  log "generating certificates"
  generate_pki
  write_kubeconfig "$KUBECONFIG_ADMIN" admin admin
  write_kubeconfig "$DIR/kube-controller-manager.kubeconfig" system:kube-controller-manager kube-controller-manager
  write_kubeconfig "$DIR/kube-scheduler.kubeconfig" system:kube-scheduler kube-scheduler

  start_etcd
  start_apiserver
  log "kube-apiserver version: $(apiserver_version)"

  start_controller_manager
  start_scheduler
  start_kwok
  wait_for kube-controller-manager 90 "kube-controller-manager /healthz" secure_healthz "$KCM_PORT"
  wait_for kube-scheduler 90 "kube-scheduler /healthz" secure_healthz "$SCHEDULER_PORT"
  wait_for kwok 90 "kwok /healthz" kwok_healthz

  create_nodes
  wait_for kwok 90 "nodes ${NODES[*]} to be Ready" nodes_ready
  wait_for kube-controller-manager 90 "the default ServiceAccount in namespace default" \
    kubectl -n default get serviceaccount default
  if $REAL_NODE; then node_up; fi
  smoke_test
  if $REAL_NODE; then node_wait_for_dns; fi

  trap - EXIT
  log "control plane ready in $((SECONDS - begin))s; kubeconfig: $KUBECONFIG_ADMIN"
}

# Stops every component, and removes what the real node created on the machine if this state
# directory owns it (or left it behind: a crash leaves no process to ask).
stop_everything() {
  local node=false
  if [[ -d $NODE_DIR || $(cat "$NODE_OWNER" 2>/dev/null) == "$DIR" ]]; then
    node=true
    node_cleanup
  fi
  stop_all
  if $node; then
    node_forget
    node_verify_clean
  fi
}

cmd_down() {
  if [[ ! -d $DIR ]]; then
    log "nothing to stop ($DIR does not exist)"
    return 0
  fi
  lock
  set_topology true # every component this directory may have started
  stop_everything
  remove_state
  log "stopped; logs kept in $LOGS"
}

cmd_env() {
  echo "export KUBECONFIG=$KUBECONFIG_ADMIN"
  # kubectl is built with the control plane and not installed anywhere else; helm beside it
  # (hack/build-upstream.sh helm) for the chart in helm/registry-operator.
  echo "export PATH=\"$K8S_BIN:$HELM_BIN:\$PATH\""
}

cmd_status() {
  local c ok=0
  set_topology "$(recorded_real_node || echo false)"
  for c in "${COMPONENTS[@]}"; do
    if alive "$c"; then
      printf '%-24s running (pid %s)\n' "$c" "$(pid_of "$c")"
    else
      printf '%-24s stopped\n' "$c"
      ok=1
    fi
  done
  if [[ -f $DIR/ports.env ]]; then
    load_ports
    printf '%-24s https://127.0.0.1:%s\n' "server" "$APISERVER_PORT"
    printf '%-24s %s\n' "kubeconfig" "$KUBECONFIG_ADMIN"
    if alive kube-apiserver; then
      kubectl version 2>&1 || ok=1
    fi
  fi
  return "$ok"
}

# stop_apiserver_process: SIGKILL kube-apiserver (if it runs) and wait until its port is free.
stop_apiserver_process() {
  if alive kube-apiserver; then
    local pid
    pid=$(pid_of kube-apiserver)
    log "killing kube-apiserver (pid $pid) with SIGKILL"
    kill -KILL "$pid"
    while ! pid_gone "$pid"; do sleep 0.1; done
  fi
  local deadline=$((SECONDS + 30))
  until port_free "$APISERVER_PORT"; do
    ((SECONDS < deadline)) || {
      log "error: port $APISERVER_PORT is still in use:"
      ss -Hltnp "sport = :$APISERVER_PORT" >&2 || true
      exit 1
    }
    sleep 0.1
  done
}

need_control_plane() {
  [[ -f $DIR/ports.env && -f $RUN/kube-apiserver.args ]] || {
    log "error: no control plane in $DIR (run: $0 up)"
    exit 1
  }
  load_ports
}

cmd_restart_apiserver() {
  lock
  need_control_plane
  stop_apiserver_process
  log "starting kube-apiserver again on https://127.0.0.1:$APISERVER_PORT"
  local begin=$SECONDS
  restart_apiserver_process
  log "kube-apiserver ready again after $((SECONDS - begin))s; version: $(apiserver_version)"
}

# For fault tests: the apiserver down for a while, or back with other flags.
cmd_stop_apiserver() {
  lock
  need_control_plane
  stop_apiserver_process
}

# cmd_start_apiserver [--flag=value...]: starts kube-apiserver with the flags of `up`, each given
# flag replacing the one of the same name (e.g. --max-requests-inflight=5); with none, exactly
# the flags of `up` again.
cmd_start_apiserver() {
  lock
  need_control_plane
  [[ -f $RUN/kube-apiserver.args.up ]] || cp "$RUN/kube-apiserver.args" "$RUN/kube-apiserver.args.up"
  local args=() flag extra
  mapfile -t args <"$RUN/kube-apiserver.args.up"
  for extra in "$@"; do
    [[ $extra == --*=* ]] || { log "error: expected --flag=value, got '$extra'"; exit 2; }
    local kept=()
    for flag in "${args[@]}"; do [[ $flag == "${extra%%=*}="* ]] || kept+=("$flag"); done
    args=("${kept[@]}" "$extra")
  done
  alive kube-apiserver && stop_apiserver_process
  log "starting kube-apiserver on https://127.0.0.1:$APISERVER_PORT${*:+ with $*}"
  start kube-apiserver "${args[@]}"
  wait_for kube-apiserver 180 "kube-apiserver /readyz" apiserver_ready
}

cmd_load_images() {
  if [[ $(recorded_real_node) != true ]] || ! alive containerd; then
    log "error: no real node runs from $DIR (run: $0 up)"
    exit 1
  fi
  "$here/build-images.sh" --load "$CONTAINERD_SOCKET" "$@"
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

case ${1:-} in
up)
  shift
  cmd_up "$@"
  ;;
down) cmd_down ;;
env) cmd_env ;;
status) cmd_status ;;
restart-apiserver) cmd_restart_apiserver ;;
stop-apiserver) cmd_stop_apiserver ;;
start-apiserver)
  shift
  cmd_start_apiserver "$@"
  ;;
load-images)
  shift
  cmd_load_images "$@"
  ;;
*) usage ;;
esac

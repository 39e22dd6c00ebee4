# shellcheck shell=bash
# The local cluster's real node, sourced by hack/controlplane.sh: Debian's containerd and runc,
# the CNI bridge plugins, kubelet and kube-proxy (iptables mode) from hack/build-upstream.sh,
# and CoreDNS as the cluster's DNS. Only one real node runs on a machine at a time: its bridge,
# addresses, iptables chains and the kubepods cgroups are machine-wide names.
#
# Containment, because this machine has a default route off the machine and nothing may leave:
# - Every address is in 198.18.0.0/15 (RFC 2544, reserved for test beds). The whole range is an
#   `unreachable` route; only the pod subnet (on the bridge) and the service range (routed to the
#   bridge, so an untranslated ClusterIP stays here) are more specific.
# - Forwarding between the bridge and any other interface is dropped in the mangle table, which
#   runs before kube-proxy's and kubelet's filter rules and so cannot be bypassed by them.
# - No masquerading in the CNI configuration; CoreDNS forwards nothing upstream.
# - containerd and kubelet share one private mount namespace whose /etc/hosts and /etc/resolv.conf
#   are files of the node's state, so pod mounts, network namespaces and host entries never reach
#   the machine, and the node resolves no name through DNS (an image from the internet cannot
#   even be looked up). The namespace's /etc is an overlay whose upper layer is a directory of
#   the node's state ($NODE_DIR/etc-upper): what the node's workloads write there (node-ca's
#   certs.d trees, through hostPath volumes) lands in that directory, never in the machine's /etc.
# `node_down` removes all of it, also after a crash: it needs no process to be alive.

# Addresses and names: hack/cluster-network.sh, sourced by controlplane.sh.
CNI_NETWORK=registry-operator-pods
NODE_OWNER=$NODE_RUN/owner
RULE_COMMENT=registry-operator-node
# kubelet puts every pod under this cgroup in each hierarchy (cgroupfs driver, cgroup root /).
KUBEPODS_CGROUP=kubepods
# kcm's hostpath provisioner always provisions under this directory.
HOSTPATH_PV_DIR=/tmp/hostpath_pv

NODE_DIR=$DIR/node
# shellcheck disable=SC2034 # used by controlplane.sh
NODE_COMPONENTS=(containerd kubelet kube-proxy)

node_log() { echo "[controlplane] node: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# Network

node_network_up() {
  if [[ -e $NODE_OWNER && $(cat "$NODE_OWNER") != "$DIR" ]]; then
    local other
    other=$(cat "$NODE_OWNER")
    if [[ -S $CONTAINERD_SOCKET ]] && ctr --address "$CONTAINERD_SOCKET" version >/dev/null 2>&1; then
      log "error: a real node of the control plane in $other is running; stop it first" \
        "(CONTROLPLANE_DIR=$other $0 down) or start this one with --no-real-node"
      exit 1
    fi
    node_log "removing what a stopped real node of $other left behind"
    node_cleanup
    node_forget
  fi
  # Entered by kcm, which runs as VOLUME_UID (start_controller_manager), whatever the umask.
  install -d -m 0755 "$NODE_RUN"
  echo "$DIR" >"$NODE_OWNER"
  cat /proc/sys/net/ipv4/ip_forward >"$NODE_RUN/ip_forward.orig"
  # kcm provisions volumes here as VOLUME_UID (see start_controller_manager).
  rm -rf "$HOSTPATH_PV_DIR"
  install -d -m 0750 -o "$VOLUME_UID" -g "$VOLUME_UID" "$HOSTPATH_PV_DIR"

  ip route replace unreachable "$TESTBED_RANGE"
  ip link show "$NODE_BRIDGE" >/dev/null 2>&1 || ip link add "$NODE_BRIDGE" type bridge
  sysctl -qw "net.ipv6.conf.$NODE_BRIDGE.disable_ipv6=1" || true
  ip addr replace "$NODE_IP/${POD_SUBNET#*/}" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
  ip route replace "$SERVICE_CIDR" dev "$NODE_BRIDGE"
  local dir
  for dir in "-i $NODE_BRIDGE ! -o $NODE_BRIDGE" "-o $NODE_BRIDGE ! -i $NODE_BRIDGE"; do
    # shellcheck disable=SC2086 # two words each, on purpose
    iptables -t mangle -C FORWARD $dir -m comment --comment "$RULE_COMMENT" -j DROP 2>/dev/null ||
      iptables -t mangle -I FORWARD $dir -m comment --comment "$RULE_COMMENT" -j DROP
    # shellcheck disable=SC2086
    ip6tables -t mangle -C FORWARD $dir -m comment --comment "$RULE_COMMENT" -j DROP 2>/dev/null ||
      ip6tables -t mangle -I FORWARD $dir -m comment --comment "$RULE_COMMENT" -j DROP
  done
  # Service traffic from a pod to a pod on the same bridge is DNAT'ed by kube-proxy and routed
  # back out through the host; the mangle rules above keep it from going anywhere else.
  sysctl -qw net.ipv4.ip_forward=1
}

# Deletes, in every table, the rules of built-in chains that jump to KUBE-*/CNI-* chains or
# carry our comment, then the KUBE-*/CNI-* chains themselves (kube-proxy's, kubelet's
# KUBE-FIREWALL and KUBE-KUBELET-CANARY, the portmap plugin's CNI-HOSTPORT-*).
node_iptables_cleanup() {
  local cmd table rule chain chains
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for table in filter nat mangle raw; do
      while read -r rule; do
        [[ -n $rule ]] || continue
        eval "$cmd -t $table -D ${rule#-A }" 2>/dev/null || true
      done < <($cmd -t "$table" -S 2>/dev/null |
        grep -E -- "^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*(-j (KUBE-|CNI-)|--comment \"?$RULE_COMMENT)" || true)
      chains=$($cmd -t "$table" -S 2>/dev/null | awk '/^-N (KUBE-|CNI-)/ {print $2}')
      for chain in $chains; do $cmd -t "$table" -F "$chain" 2>/dev/null || true; done
      for chain in $chains; do $cmd -t "$table" -X "$chain" 2>/dev/null || true; done
    done
  done
}

# ---------------------------------------------------------------------------------------------
# Processes that outlive containerd: its shims and the containers they run

# Every process in the kubepods cgroup tree of any hierarchy, i.e. every container and sandbox.
kubepods_pids() {
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/"$KUBEPODS_CGROUP" /sys/fs/cgroup/"$KUBEPODS_CGROUP"; do
    [[ -d $hierarchy ]] || continue
    find "$hierarchy" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -u
}

shim_pids() { pgrep -f "containerd-shim.* -address $CONTAINERD_SOCKET" 2>/dev/null || true; }

node_kill_containers() {
  local pids tries=0
  while pids=$( (shim_pids; kubepods_pids) | sort -u) && [[ -n $pids ]]; do
    ((tries++ < 50)) || {
      log "warning: processes of the real node would not die: $(echo "$pids" | tr '\n' ' ')"
      return 0
    }
    # shellcheck disable=SC2086 # a list of pids
    kill -KILL $pids 2>/dev/null || true
    sleep 0.1
  done
}

node_cgroups_cleanup() {
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/"$KUBEPODS_CGROUP" /sys/fs/cgroup/"$KUBEPODS_CGROUP"; do
    [[ -d $hierarchy ]] || continue
    # Children before parents; only empty cgroups can go.
    find "$hierarchy" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

# Stops the node's processes and removes everything it created on the machine. Idempotent, and
# needs nothing of the node to be alive: it is what `down` runs after a crash, too.
node_cleanup() {
  local c
  for c in kubelet kube-proxy; do stop "$c"; done
  node_kill_containers
  stop containerd
  node_kill_containers
  if [[ -x $K8S_BIN/kube-proxy ]]; then "$K8S_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
  node_iptables_cleanup
  node_cgroups_cleanup
  # Mounts of the node's namespace are gone with its last process; these would be left only by a
  # run without the namespace. Deepest first.
  local mnt
  while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done < <(
    awk -v dir="$NODE_DIR/" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo | sort -r)
  local ns
  for ns in /run/netns/cni-*; do
    [[ -e $ns ]] || continue
    mountpoint -q "$ns" || rm -f "$ns"
  done
  rm -f /var/lib/cni/results/"$CNI_NETWORK"-* 2>/dev/null || true
  # kubelet links every container's log here, whatever its podLogsDir.
  find /var/log/containers -maxdepth 1 -type l -lname "$NODE_DIR/*" -delete 2>/dev/null || true
  rm -rf "$HOSTPATH_PV_DIR"
  # containerd 1.6 puts its shims' sockets here whatever its configuration says; those that
  # nothing listens on any more are ours (the shims were killed above).
  local socket listening
  listening=$(ss -xlH 2>/dev/null | awk '{print $5}')
  for socket in /run/containerd/s/*; do
    [[ -e $socket ]] || continue
    grep -qxF "$socket" <<<"$listening" || rm -f "$socket"
  done
  rmdir /run/containerd/s /run/containerd 2>/dev/null || true
  ip link del "$NODE_BRIDGE" 2>/dev/null || true
  ip route del "$SERVICE_CIDR" 2>/dev/null || true
  ip route del unreachable "$TESTBED_RANGE" 2>/dev/null || true
  if [[ -s $NODE_RUN/ip_forward.orig ]]; then
    sysctl -qw "net.ipv4.ip_forward=$(cat "$NODE_RUN/ip_forward.orig")" || true
  fi
}

# The node's run directory goes last: kube-controller-manager keeps its files there and may still
# be writing to them until the control plane is stopped.
node_forget() { rm -rf "$NODE_RUN"; }

# What node_cleanup must have removed; prints each leftover and fails if there is any, so that
# every `down` (the last step of every test run) checks it.
node_verify_clean() {
  local leftovers=() cmd table
  ip link show "$NODE_BRIDGE" >/dev/null 2>&1 && leftovers+=("bridge $NODE_BRIDGE")
  [[ -z $(ip route show "$SERVICE_CIDR") ]] || leftovers+=("route $SERVICE_CIDR")
  [[ -z $(ip route show type unreachable "$TESTBED_RANGE") ]] || leftovers+=("route unreachable $TESTBED_RANGE")
  for cmd in iptables ip6tables; do
    for table in filter nat mangle raw; do
      $cmd -t "$table" -S 2>/dev/null | grep -qE -- "(^-N (KUBE-|CNI-))|$RULE_COMMENT" &&
        leftovers+=("$cmd $table rules")
    done
  done
  [[ -z $( (shim_pids; kubepods_pids) | tr -d '[:space:]') ]] || leftovers+=("container processes")
  compgen -G "/sys/fs/cgroup/*/$KUBEPODS_CGROUP" >/dev/null && leftovers+=("cgroup $KUBEPODS_CGROUP")
  [[ ! -e $NODE_RUN ]] || leftovers+=("$NODE_RUN")
  [[ ! -e $HOSTPATH_PV_DIR ]] || leftovers+=("$HOSTPATH_PV_DIR")
  if ((${#leftovers[@]})); then
    log "error: the real node left behind: ${leftovers[*]}"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# Configuration

node_generate_pki() {
  # The node's own identity, as the Node authorizer and NodeRestriction expect.
  issue node "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  issue kubelet-serving "/CN=$NODE_NAME" serverAuth "IP:$NODE_IP,DNS:$NODE_NAME"
  issue kube-proxy "/CN=system:kube-proxy" clientAuth
  # The apiserver's client identity towards kubelets (logs, exec, port-forward).
  issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
}

node_write_configs() {
  mkdir -p "$NODE_DIR"/{containerd,cni/net.d,cni/ipam,kubelet,pod-logs,volume-plugins,etc}
  write_kubeconfig "$NODE_DIR/kubelet.kubeconfig" "system:node:$NODE_NAME" node
  write_kubeconfig "$NODE_DIR/kube-proxy.kubeconfig" system:kube-proxy kube-proxy
  # What /etc/hosts is inside the node's mount namespace (node-ca and tests may add entries).
  printf '127.0.0.1 localhost\n::1 localhost\n%s %s\n' "$NODE_IP" "$NODE_NAME" >"$NODE_DIR/etc/hosts"
  # Pods with dnsPolicy Default get this; ClusterFirst pods get the cluster DNS anyway.
  printf 'nameserver %s\n' "$DNS_SERVICE_IP" >"$NODE_DIR/etc/resolv.conf"
  # The node itself (containerd pulling images) resolves names only through its /etc/hosts:
  # with no nameserver, resolvers try 127.0.0.1:53, where nothing listens, so a pull of an image
  # from the internet (say the upstream registry:2) fails at once instead of leaving the machine.
  printf '# The node resolves names only through /etc/hosts (hack/node.sh).\noptions attempts:1 timeout:1\n' \
    >"$NODE_DIR/etc/node-resolv.conf"
  # The upper layer and work directory of the node's /etc overlay (start_containerd).
  mkdir -p "$NODE_DIR/etc-upper" "$NODE_DIR/etc-work"

  cat >"$NODE_DIR/containerd/config.toml" <<EOF
version = 2
root = "$NODE_DIR/containerd/root"
state = "$NODE_RUN/containerd-state"
[grpc]
  address = "$CONTAINERD_SOCKET"
[ttrpc]
  address = "$CONTAINERD_SOCKET.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$NODE_DIR/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  # Root here lacks CAP_SYS_RESOURCE: without this every sandbox fails to lower oom_score_adj.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$NODE_RUN/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$NODE_DIR/cni/net.d"
  # As on any node: node-ca (the nodeCA component) keeps <host>/hosts.toml there.
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "/etc/containerd/certs.d"
EOF

  cat >"$NODE_DIR/cni/net.d/10-$CNI_NETWORK.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$NODE_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$NODE_DIR/cni/ipam",
        "ranges": [[{"subnet": "$POD_SUBNET", "gateway": "$NODE_IP"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  cat >"$NODE_DIR/cni/net.d/99-loopback.conf" <<'EOF'
{"cniVersion": "0.4.0", "name": "lo", "type": "loopback"}
EOF

  cat >"$NODE_DIR/kubelet-config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$CONTAINERD_SOCKET
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
enforceNodeAllocatable: []
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: $NODE_DIR/etc/resolv.conf
podLogsDir: $NODE_DIR/pod-logs
volumePluginDir: $NODE_DIR/volume-plugins
serializeImagePulls: false
# A test machine's disk can be nearly full; evicting pods over it would only confuse tests.
evictionHard: {memory.available: 50Mi, nodefs.available: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
protectKernelDefaults: false
maxPods: 110
EOF

  cat >"$NODE_DIR/kube-proxy-config.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $NODE_DIR/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:$PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$PROXY_METRICS_PORT
clusterCIDR: $POD_SUBNET
nodePortAddresses: [$NODE_IP/32]
iptables: {localhostNodePorts: false}
# 0 leaves the machine's conntrack sysctls alone (root here may not raise them).
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
}

# ---------------------------------------------------------------------------------------------
# Components

containerd_ready() { ctr --address "$CONTAINERD_SOCKET" version; }

start_containerd() {
  node_log "starting containerd ($CONTAINERD_SOCKET) in a private mount namespace"
  mkdir -p "$NODE_RUN"
  # unshare and sh exec in place, so the pid recorded is containerd's own.
  # shellcheck disable=SC2016 # expanded by that sh
  start_command containerd unshare --mount --propagation private -- \
    sh -c 'mount -t overlay node-etc -o "lowerdir=/etc,upperdir=$2,workdir=$3" /etc &&
      mount --bind "$0" /etc/hosts && mount --bind "$1" /etc/resolv.conf && shift 3 && exec "$@"' \
    "$NODE_DIR/etc/hosts" "$NODE_DIR/etc/node-resolv.conf" "$NODE_DIR/etc-upper" "$NODE_DIR/etc-work" \
    "$(bin_of containerd)" --config "$NODE_DIR/containerd/config.toml"
  wait_for containerd 60 "containerd" containerd_ready
}

# In the mount namespace of containerd, so its volume mounts are where containerd looks.
start_kubelet() {
  node_log "starting kubelet $NODE_NAME on https://$NODE_IP:$KUBELET_PORT"
  start_command kubelet nsenter --mount="/proc/$(pid_of containerd)/ns/mnt" -- \
    "$(bin_of kubelet)" \
    --config="$NODE_DIR/kubelet-config.yaml" \
    --kubeconfig="$NODE_DIR/kubelet.kubeconfig" \
    --root-dir="$NODE_DIR/kubelet" \
    --hostname-override="$NODE_NAME" \
    --node-ip="$NODE_IP"
}

start_kube_proxy() {
  node_log "starting kube-proxy (iptables mode)"
  start kube-proxy --config="$NODE_DIR/kube-proxy-config.yaml"
}

node_ready() {
  [[ $(kubectl get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}') == True ]]
}

kube_proxy_synced() { iptables -t nat -S KUBE-SERVICES >/dev/null 2>&1; }

# The images every pod of the node needs, built here (nothing can be pulled).
node_load_images() {
  # shellcheck disable=SC2154 # $here is controlplane.sh's own folder
  "$here/build-images.sh" --load "$CONTAINERD_SOCKET" pause coredns registry toolbox
}

node_up() {
  node_write_configs
  start_containerd
  node_load_images
  start_kubelet
  start_kube_proxy
  wait_for kubelet 120 "node $NODE_NAME to be Ready" node_ready
  wait_for kube-proxy 60 "kube-proxy's KUBE-SERVICES chain" kube_proxy_synced
  kubectl label node "$NODE_NAME" --overwrite node-role.kubernetes.io/worker= >/dev/null
  node_deploy_storage_class
  node_deploy_coredns
}

# kcm's --enable-hostpath-provisioner serves this class: claims bind to directories of the node.
node_deploy_storage_class() {
  kubectl apply -f - >/dev/null <<'EOF'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-hostpath
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
EOF
}

node_deploy_coredns() {
  node_log "deploying CoreDNS (Service kube-system/kube-dns, $DNS_SERVICE_IP)"
  kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: system:coredns}
rules:
- apiGroups: [""]
  resources: [endpoints, services, pods, namespaces]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: system:coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:coredns}
subjects:
- {kind: ServiceAccount, name: coredns, namespace: kube-system}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  # Only the cluster's own names: nothing is forwarded off the machine.
  Corefile: |
    .:1053 {
        errors
        health :8080
        ready :8181
        kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
        }
        cache 30
        reload
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels: {k8s-app: kube-dns}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      dnsPolicy: Default
      priorityClassName: system-cluster-critical
      securityContext:
        runAsNonRoot: true
        runAsUser: 1001
        runAsGroup: 1001
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: coredns
        image: localhost/coredns:dev
        imagePullPolicy: Never
        args: [-conf, /etc/coredns/Corefile]
        ports:
        - {name: dns, containerPort: 1053, protocol: UDP}
        - {name: dns-tcp, containerPort: 1053, protocol: TCP}
        readinessProbe:
          httpGet: {path: /ready, port: 8181}
          periodSeconds: 2
        livenessProbe:
          httpGet: {path: /health, port: 8080}
        resources:
          requests: {cpu: 50m, memory: 64Mi}
          limits: {memory: 170Mi}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
        volumeMounts:
        - {name: config, mountPath: /etc/coredns, readOnly: true}
      volumes:
      - name: config
        configMap: {name: coredns}
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns, kubernetes.io/name: CoreDNS}
spec:
  clusterIP: $DNS_SERVICE_IP
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, targetPort: 1053, protocol: UDP}
  - {name: dns-tcp, port: 53, targetPort: 1053, protocol: TCP}
EOF
}

coredns_answers() {
  [[ $(dig +short +time=1 +tries=1 "@$DNS_SERVICE_IP" "kubernetes.default.svc.$CLUSTER_DOMAIN") == "$KUBERNETES_SERVICE_IP" ]]
}

node_wait_for_dns() {
  wait_for kubelet 120 "CoreDNS to answer on $DNS_SERVICE_IP" coredns_answers
}

#!/usr/bin/env bash
# What an OKD administrator gets from the integrated registry, on the real node: with the nodeCA
# and nodeResolver components, DaemonSet N-node-ca keeps the registry's CA in the node's certs.d
# trees (docker, containers, containerd hosts.toml) and N.S.svc in the node's /etc/hosts. An
# image pushed to the registry then runs in a Deployment whose image is N.S.svc:5000/team-a/app:1:
# the node's containerd pulls it over TLS verified against that CA (its config_path is
# /etc/containerd/certs.d; no insecure setting anywhere). Switching the components off removes
# exactly what node-ca wrote.
#
# The node's /etc is an overlay whose upper layer is $NODE_DIR/etc-upper (hack/node.sh), and its
# /etc/hosts is $NODE_DIR/etc/hosts: that is where the node's files are checked, and the
# machine's own /etc is never written.
source "$(dirname "$0")/lib.sh"
# node-ca needs hostPath volumes and root: the one workload that is not "restricted".
kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=privileged >/dev/null
start_operator

name=reg
host="$name.$NS.svc:5000"
node_dir=$CONTROLPLANE_DIR/node
upper=$node_dir/etc-upper
node_hosts=$node_dir/etc/hosts
k apply -f - >/dev/null <<YAML
apiVersion: imageregistry.io/v1alpha1
kind: RegistryConfig
metadata:
  name: $name
spec:
  tls: {mode: Auto}
  storage: {emptyDir: {}}
  components:
    - {kind: nodeCA, managed: true}
    - {kind: nodeResolver, managed: true}
YAML
wait_for "$name Available" 180 condition_is "$name" Available True
condition_is "$name" Degraded False || fail "Degraded: $(jsonpath regcfg "$name" '{.status.conditions}')"
reach_registry "$name"
ip=$REGISTRY_IP
ca=$REGISTRY_CERTS/ca.crt

node_ca_ready_on_real_node() {
  local phase
  phase=$(k get pods -l app.kubernetes.io/component=node-ca \
    --field-selector "spec.nodeName=$NODE_NAME" -o 'jsonpath={.items[*].status.phase}')
  [[ $phase == Running ]]
}
wait_for "node-ca running on $NODE_NAME" 120 node_ca_ready_on_real_node

trust_written() {
  cmp -s "$ca" "$upper/docker/certs.d/$host/ca.crt" &&
    cmp -s "$ca" "$upper/containers/certs.d/$host/ca.crt" &&
    [[ -f $upper/containerd/certs.d/$host/hosts.toml ]] &&
    grep -q "^$ip $name.$NS.svc\$" "$node_hosts"
}
wait_for "node-ca to write the CA for $host and $name.$NS.svc to the node" 60 trust_written
toml=$(cat "$upper/containerd/certs.d/$host/hosts.toml")
[[ $toml == *"server = \"https://$host\""* && $toml == *'ca = '* ]] ||
  fail "hosts.toml does not name the server and its CA: $toml"
[[ $toml != *skip_verify* ]] || fail "hosts.toml turns verification off: $toml"
[[ ! -e /etc/docker/certs.d/$host && ! -e /etc/containerd/certs.d/$host ]] ||
  fail "node-ca wrote to the machine's own /etc"
grep -q "$name.$NS.svc" /etc/hosts && fail "node-ca wrote to the machine's own /etc/hosts"

log "pushing the toolbox image to $host/team-a/app:1 over verified TLS"
read -r _ toolbox_archive < <("$SOURCE_ROOT/hack/build-images.sh" toolbox)
[[ -s $toolbox_archive ]] || fail "hack/build-images.sh toolbox gave no archive"
registry_skopeo copy --quiet --dest-cert-dir "$REGISTRY_CERTS" "docker-archive:$toolbox_archive" \
  "docker://$host/team-a/app:1" || fail "push over verified TLS failed"
digest=$(registry_skopeo inspect --cert-dir "$REGISTRY_CERTS" --format '{{.Digest}}' "docker://$host/team-a/app:1")

log "a Deployment whose image is $host/team-a/app:1 runs on $NODE_NAME"
k apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector: {matchLabels: {app: pulled}}
  template:
    metadata: {labels: {app: pulled}}
    spec:
      nodeSelector: {kubernetes.io/hostname: $NODE_NAME}
      containers:
        - name: app
          image: $host/team-a/app:1
          imagePullPolicy: Always
          command: [sh, -c, 'echo pulled-and-running; exec sleep 600']
          securityContext:
            allowPrivilegeEscalation: false
            runAsNonRoot: true
            capabilities: {drop: [ALL]}
            seccompProfile: {type: RuntimeDefault}
YAML
app_running() { [[ $(k get pods -l app=pulled -o 'jsonpath={.items[*].status.phase}') == Running ]]; }
wait_for "the app pod to pull its image and run" 120 app_running
image_id=$(k get pods -l app=pulled -o 'jsonpath={.items[0].status.containerStatuses[0].imageID}')
[[ $image_id == *"@$digest" ]] || fail "the pod runs $image_id, not the pushed $digest"

log "switching nodeCA and nodeResolver off removes what node-ca wrote"
k patch regcfg "$name" --type merge -p '{"spec":{"components":[]}}' >/dev/null
trust_removed() {
  [[ ! -e $upper/docker/certs.d/$host && ! -e $upper/containers/certs.d/$host &&
    ! -e $upper/containerd/certs.d/$host ]] && ! grep -q "$name.$NS.svc" "$node_hosts"
}
wait_for "node-ca to remove its entries from the node" 90 trust_removed
wait_for "DaemonSet $name-node-ca to go" 60 absent daemonset "$name-node-ca"
absent role "$name-node-ca" || fail "Role $name-node-ca was left behind"
grep -q "^127.0.0.1 localhost" "$node_hosts" || fail "the node's other /etc/hosts lines were lost"
k delete deployment app --wait=false >/dev/null
log "PASS"

#!/usr/bin/env bash
# The local cluster's real node works like a real one: it joined with its own identity (Node
# authorizer and NodeRestriction hold it to itself), pods run from the images built here under
# the restricted Pod Security Standard, resolve `<svc>.<ns>.svc` through CoreDNS, and
# `kubectl logs`/`exec` reach them through the kubelet; kwok nodes take only pods that tolerate
# their taint; the containment that keeps pod traffic on this machine is in place; and the
# operator's image runs `registry-operator version`.
source "$(dirname "$0")/lib.sh"
kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=restricted >/dev/null

log "node $NODE_NAME: Ready, with its own identity"
[[ $(kubectl get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}') == True ]] ||
  fail "node $NODE_NAME is not Ready"
node_kubeconfig=$CONTROLPLANE_DIR/node/kubelet.kubeconfig
[[ $(kubectl --kubeconfig "$node_kubeconfig" auth whoami -o 'jsonpath={.status.userInfo.username}') == "system:node:$NODE_NAME" ]] ||
  fail "the kubelet's credentials are not system:node:$NODE_NAME"
if kubectl --kubeconfig "$node_kubeconfig" label node kwok-node-0 e2e/by-another-node=yes >/dev/null 2>&1; then
  fail "the node could label another node (Node authorizer / NodeRestriction missing)"
fi
for node in kwok-node-0 kwok-node-1; do
  [[ $(kubectl get node "$node" -o 'jsonpath={.spec.taints[*].key}') == *kwok.x-k8s.io/node* ]] ||
    fail "fake node $node is not tainted"
done

log "containment: forward-drop, unreachable test range, service range on the bridge"
iptables -t mangle -S FORWARD | grep -q -- "-i $NODE_BRIDGE ! -o $NODE_BRIDGE .*-j DROP" ||
  fail "no forward-drop from the pod bridge"
ip route show type unreachable | grep -q "^unreachable $TESTBED_RANGE" || fail "no unreachable route for $TESTBED_RANGE"
ip route show "$SERVICE_CIDR" | grep -q "dev $NODE_BRIDGE" || fail "the service range is not routed to the bridge"
if grep -rq '"ipMasq": *true' "$CONTROLPLANE_DIR/node/cni/net.d"; then fail "the CNI network masquerades"; fi

log "a pod resolves <svc>.<ns>.svc through the cluster DNS; logs and exec reach it"
k create service clusterip e2e-target --tcp=80:8080 >/dev/null
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: toolbox
spec:
  restartPolicy: Never
  securityContext:
    runAsNonRoot: true
    runAsUser: 1001
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: toolbox
    image: $TOOLBOX_IMAGE
    imagePullPolicy: Never
    command: [sh, -c, 'echo toolbox-started; getent hosts e2e-target.$NS.svc; exec sleep 600']
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
YAML
wait_for "the toolbox pod to run" 90 bash -c "[[ \$('$K8S_BIN/kubectl' -n $NS get pod toolbox -o jsonpath='{.status.phase}') == Running ]]"
[[ $(k get pod toolbox -o 'jsonpath={.spec.nodeName}') == "$NODE_NAME" ]] || fail "the pod did not land on $NODE_NAME"
target_ip=$(k get svc e2e-target -o 'jsonpath={.spec.clusterIP}')
# Logs are read whole before grep: `k logs | grep -q` under pipefail fails at random when grep
# exits on its match before kubectl has written everything (SIGPIPE).
logs_show_target() { local logs; logs=$(k logs toolbox) && grep -q "$target_ip" <<<"$logs"; }
wait_for "kubectl logs to show the DNS answer $target_ip" 30 logs_show_target
grep -q toolbox-started <<<"$(k logs toolbox)" || fail "kubectl logs does not show the pod's output"
k exec toolbox -- getent hosts "kube-dns.kube-system.svc" >"$WORK/getent" 2>&1 || true
grep -q "$DNS_SERVICE_IP" "$WORK/getent" || fail "in the pod, kube-dns.kube-system.svc did not resolve: $(cat "$WORK/getent")"
[[ $(k exec toolbox -- cat /etc/resolv.conf) == *"nameserver $DNS_SERVICE_IP"* ]] ||
  fail "the pod's resolv.conf does not name the cluster DNS"
k delete pod toolbox --grace-period=0 --force >/dev/null 2>&1 || true

log "the operator's image runs \`registry-operator version\`"
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: operator-version
spec:
  restartPolicy: Never
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: operator
    image: $OPERATOR_IMAGE
    imagePullPolicy: Never
    args: [version]
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
YAML
wait_for "the version pod to succeed" 90 bash -c "[[ \$('$K8S_BIN/kubectl' -n $NS get pod operator-version -o jsonpath='{.status.phase}') == Succeeded ]]"
[[ $(k logs operator-version) == "$("$OPERATOR" version)" ]] ||
  fail "the image's version output '$(k logs operator-version)' differs from the binary's"
log "PASS"

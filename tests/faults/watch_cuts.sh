#!/usr/bin/env bash
# Every connection between the operator and kube-apiserver, watches included, cut at random
# after 0.5-5 s by a TCP proxy: the operator converges anyway, on creation and on a change to
# every RegistryConfig, without restarting and without rolling a pod.
source "$(dirname "$0")/lib.sh"
server=$(kubectl config view --minify -o 'jsonpath={.clusters[0].cluster.server}')
hostport=${server#https://}
proxy_port=$(free_port)
python3 "$(dirname "$0")/cutting_proxy.py" "$proxy_port" "${hostport%:*}" "${hostport##*:}" 900 &
HELPER_PIDS+=($!)
wait_for "the proxy listening" 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$proxy_port"
# The operator's kubeconfig points at the proxy; the apiserver's certificate is for 127.0.0.1 too.
kubectl config view --raw --minify >"$WORK/proxied.kubeconfig"
kubectl --kubeconfig "$WORK/proxied.kubeconfig" config set-cluster \
  "$(kubectl config view --minify -o 'jsonpath={.clusters[0].name}')" \
  --server "https://127.0.0.1:$proxy_port" >/dev/null
kubectl --kubeconfig "$WORK/proxied.kubeconfig" get --raw /readyz >/dev/null ||
  fail "the apiserver cannot be reached through the proxy"

create_registries
KUBECONFIG="$WORK/proxied.kubeconfig" start_operator_detached
wait_converged 300
create_registries "  defaultRoute: true"
wait_converged 300 true
operator_alive || fail "the operator restarted"
cuts=$(grep -c -i "watch.*\(closed\|failed\|error\)\|retrying" "$OPERATOR_LOG" || true)
log "converged through the proxy; $cuts log lines about cut connections"
((cuts > 0)) || fail "no connection was cut: the test did not test anything"
log "PASS"

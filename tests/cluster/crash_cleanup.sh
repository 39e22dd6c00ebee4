#!/usr/bin/env bash
# `hack/controlplane.sh down` cleans up after a crash: a cluster with a real node in a state
# directory of its own runs pods (CoreDNS, the smoke test's); every component is then killed
# with SIGKILL, leaving containers, shims, iptables chains, routes, the bridge and cgroups with
# no process to ask. `down` must remove all of it (it checks itself and fails naming what is
# left) and a second `down` must be a no-op. Runs after the shared cluster is down: only one
# real node runs at a time.
set -euo pipefail
: "${SOURCE_ROOT:?}"
source "$SOURCE_ROOT/hack/cluster-network.sh"
controlplane=$SOURCE_ROOT/hack/controlplane.sh
work=$(mktemp -d /tmp/crash-cleanup.XXXXXX)
export CONTROLPLANE_DIR=$work/cluster
log() { echo "[crash_cleanup] $*" >&2; }
fail() {
  echo "[crash_cleanup] FAIL: $*" >&2
  exit 1
}
cleanup() {
  local status=$?
  "$controlplane" down >/dev/null 2>&1 || true
  # Only a directory with nothing mounted below it is removed.
  grep -q " $work" /proc/self/mountinfo || rm -rf "$work"
  exit $status
}
trap cleanup EXIT

"$controlplane" up
[[ -n $(ctr --address "$CONTAINERD_SOCKET" -n k8s.io tasks ls -q) ]] || fail "no container runs on the node"

log "killing every component with SIGKILL"
for pid_file in "$CONTROLPLANE_DIR"/run/*.pid; do
  kill -KILL "$(cat "$pid_file")" 2>/dev/null || true
done
sleep 1
[[ -n $(pgrep -f "containerd-shim.* -address $CONTAINERD_SOCKET") ]] ||
  fail "no shim outlived containerd: the crash left nothing to clean up, the test proves nothing"

log "down after the crash"
"$controlplane" down || fail "down failed after a crash"
ip link show "$NODE_BRIDGE" >/dev/null 2>&1 && fail "bridge $NODE_BRIDGE is left"
[[ -z $(ip route show table all | grep -E "^(unreachable )?(${TESTBED_RANGE%/*}|${SERVICE_CIDR%/*})") ]] ||
  fail "routes are left: $(ip route show table all | grep -E '198\.1[89]\.')"
for cmd in iptables-save ip6tables-save; do
  if $cmd | grep -qE 'KUBE-|CNI-|registry-operator-node'; then fail "$cmd still shows the node's rules"; fi
done
[[ -z $(pgrep -f "containerd-shim.* -address $CONTAINERD_SOCKET") ]] || fail "shims are left"
[[ -z $(pgrep -f "$CONTROLPLANE_DIR") ]] || fail "processes of the cluster are left: $(pgrep -af "$CONTROLPLANE_DIR")"
if grep -q " $work" /proc/self/mountinfo; then fail "mounts are left under $work"; fi
if compgen -G "/sys/fs/cgroup/*/kubepods" >/dev/null; then fail "kubepods cgroups are left"; fi

log "down again is a no-op"
"$controlplane" down || fail "a second down failed"
log "PASS"

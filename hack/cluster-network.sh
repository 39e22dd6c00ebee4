# shellcheck shell=bash
# Names and addresses of the local cluster (hack/controlplane.sh, hack/node.sh), sourced by them
# and by the tests. Every address is in 198.18.0.0/15, the range RFC 2544 reserves for test beds;
# hack/node.sh explains how none of this traffic can leave the machine.
# shellcheck disable=SC2034 # each file that sources this uses some of it
TESTBED_RANGE=198.18.0.0/15
# The real node: its pods on a bridge of their own, the node's address being the bridge's.
NODE_NAME=registry-node-0
NODE_BRIDGE=ro-node0
NODE_IP=198.18.0.1
POD_SUBNET=198.18.0.0/24
# Services. The first address is the `kubernetes` Service's ClusterIP. A /16 (65,534 addresses)
# so that scale runs (bench/, a Service or two per registry) never fill it; a /24 filled at ~250.
SERVICE_CIDR=198.19.0.0/16
KUBERNETES_SERVICE_IP=198.19.0.1
DNS_SERVICE_IP=198.19.0.10
CLUSTER_DOMAIN=cluster.local
# kwok's fake pods and nodes: never routed anywhere, and kept apart from the ranges above.
KWOK_POD_CIDR=198.18.128.1/17
KWOK_NODE_IP_PREFIX=198.18.127.
# Machine-wide (only one real node runs at a time): sockets, as a unix socket path must stay
# under 108 bytes, and a marker naming the state directory of the cluster that owns the node.
NODE_RUN=/run/registry-operator-node
CONTAINERD_SOCKET=$NODE_RUN/containerd.sock
# The numeric user of the images hack/build-images.sh makes, of the operator's registry pods on
# plain Kubernetes, and of the volumes the local cluster's StorageClass provisions.
VOLUME_UID=1001

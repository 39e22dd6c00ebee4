# shellcheck shell=bash disable=SC2034 # each file that sources this uses some of it
# Pinned versions of the upstream tools that tests run against. Sourced by hack/*.sh.
# Kubernetes 1.34 pairs with etcd 3.6.4 (k8s.io/kubernetes go.mod); kwok 0.7.0 is the last
# release with built-in stages that make pods Running/Ready without extra configuration.
K8S_VERSION=v1.34.4
ETCD_VERSION=v3.6.4
KWOK_VERSION=v0.7.0
COREDNS_VERSION=v1.15.0
# Helm 4 (helm.sh/helm/v4): renders helm/registry-operator, from which manifests/ is generated.
HELM_VERSION=v4.3.2
CACHE_ROOT="${REGISTRY_OPERATOR_CACHE:-$HOME/.cache/registry-operator}"
K8S_BIN="$CACHE_ROOT/k8s-$K8S_VERSION/bin"
ETCD_BIN="$CACHE_ROOT/etcd-$ETCD_VERSION/bin"
KWOK_BIN="$CACHE_ROOT/kwok-$KWOK_VERSION/bin"
COREDNS_BIN="$CACHE_ROOT/coredns-$COREDNS_VERSION/bin"
HELM_BIN="$CACHE_ROOT/helm-$HELM_VERSION/bin"
# OLM bundle validation (hack/bundle-validate, built by `hack/build-upstream.sh bundle-validate`):
# operator-framework's own validation library, the one operator-sdk `bundle validate` runs. The
# list the module proxy gives stops at v0.9.1; exact newer versions are served. v0.45.0 (go 1.26.3)
# builds with the machine's Go 1.26. hack/bundle-validate/go.mod must require the same version.
OPERATOR_FRAMEWORK_API_VERSION=v0.45.0
BUNDLE_VALIDATE_BIN="$CACHE_ROOT/bundle-validate-$OPERATOR_FRAMEWORK_API_VERSION/bin"

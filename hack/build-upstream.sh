#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kubelet,
# kube-proxy, CoreDNS, kwok, helm and the OLM bundle validator (hack/bundle-validate) with Go
# from the Go module proxy (no prebuilt binaries can be downloaded here) into a cache outside the
# repository, keyed by version. A warm cache makes this a no-op.
#
#   hack/build-upstream.sh [etcd|kwok|coredns|kubernetes|helm|bundle-validate ...]
#                                                      the named ones (default: all)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/versions.sh"
export GOFLAGS="${GOFLAGS:--buildvcs=false} -trimpath"
export CGO_ENABLED=0

log() { echo "[build-upstream] $*" >&2; }

build_kubernetes() {
  local out="$K8S_BIN"
  local cmds=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy) c missing=false
  for c in "${cmds[@]}"; do [[ -x $out/$c ]] || missing=true; done
  $missing || return 0
  log "building Kubernetes $K8S_VERSION (first time only; ~5 min on 2 cores)"
  local work="$CACHE_ROOT/src/k8s-$K8S_VERSION"
  mkdir -p "$work" "$out"
  cd "$work"
  # k8s.io/kubernetes replaces its staging modules with ./staging paths; a module of our own that
  # requires it must replace each of them with the matching v0.X.Y release instead.
  local staging_version="v0.${K8S_VERSION#v1.}"
  cat >go.mod <<GOMOD
module registry-operator.local/build-k8s

go 1.24.0

require k8s.io/kubernetes $K8S_VERSION
GOMOD
  local kmod
  kmod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  grep -oE '^\s*k8s.io/[a-z0-9-]+ => \./staging' "$kmod" | awk '{print $1}' | while read -r m; do
    echo "replace $m => $m $staging_version" >>go.mod
  done
  echo 'package tools' >tools.go
  cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
)
GO
  go mod tidy -e >/dev/null 2>&1 || true
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ld+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  go build -ldflags "$ld" -o "$out/" "${cmds[@]/#/k8s.io/kubernetes/cmd/}"
}

build_etcd() {
  [[ -x $ETCD_BIN/etcd ]] && return 0
  log "building etcd $ETCD_VERSION"
  local work="$CACHE_ROOT/src/etcd-$ETCD_VERSION"
  mkdir -p "$work" "$ETCD_BIN"
  cd "$work"
  # etcd's server module carries replace lines, so it cannot be `go install`ed; require it from
  # a module of our own instead.
  cat >go.mod <<GOMOD
module registry-operator.local/build-etcd

go 1.24.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
GOMOD
  cat >tools.go <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
  go mod tidy -e >/dev/null 2>&1 || true
  go build -ldflags "-s -w" -o "$ETCD_BIN/etcd" go.etcd.io/etcd/server/v3
}

build_kwok() {
  [[ -x $KWOK_BIN/kwok ]] && return 0
  log "building kwok $KWOK_VERSION"
  mkdir -p "$KWOK_BIN"
  GOBIN="$KWOK_BIN" go install -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
}

# Cluster DNS for the real node: a static binary, so its image needs nothing else.
build_coredns() {
  [[ -x $COREDNS_BIN/coredns ]] && return 0
  log "building CoreDNS $COREDNS_VERSION"
  mkdir -p "$COREDNS_BIN"
  GOBIN="$COREDNS_BIN" go install -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
}

# OLM bundle validator: hack/bundle-validate (a small main over github.com/operator-framework/api,
# with its own go.mod and go.sum), into a folder keyed by the library's version. A stamp of its
# sources' hash rebuilds it when main.go or the module files change under the same version.
build_bundle_validate() {
  local src="$here/bundle-validate" stamp="$BUNDLE_VALIDATE_BIN/.sources" sources
  grep -qE "^[[:space:]]*(require[[:space:]]+)?github\.com/operator-framework/api $OPERATOR_FRAMEWORK_API_VERSION\$" \
    "$src/go.mod" || {
    log "error: $src/go.mod does not require operator-framework/api $OPERATOR_FRAMEWORK_API_VERSION (hack/versions.sh)"
    return 1
  }
  sources=$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-16)
  [[ -x $BUNDLE_VALIDATE_BIN/bundle-validate && $(cat "$stamp" 2>/dev/null) == "$sources" ]] && return 0
  log "building bundle-validate with operator-framework/api $OPERATOR_FRAMEWORK_API_VERSION (~2 min cold on 2 cores)"
  mkdir -p "$BUNDLE_VALIDATE_BIN"
  # -buildvcs=false: the sources sit in this repository, whose state is no part of the tool.
  (cd "$src" && go build -buildvcs=false -ldflags "-s -w" -o "$BUNDLE_VALIDATE_BIN/bundle-validate" .)
  echo "$sources" >"$stamp"
}

# The chart's renderer (helm/registry-operator, hack/generate-manifests.sh, the lint tier).
build_helm() {
  [[ -x $HELM_BIN/helm ]] && return 0
  log "building helm $HELM_VERSION (first time only)"
  mkdir -p "$HELM_BIN"
  # The source says only "v4.3"; helm's own Makefile stamps the full version so.
  GOBIN="$HELM_BIN" go install -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
}

all=(etcd kwok coredns kubernetes helm bundle-validate)
wanted=("$@")
((${#wanted[@]})) || wanted=("${all[@]}")
for tool in "${wanted[@]}"; do
  [[ " ${all[*]} " == *" $tool "* ]] || { log "unknown tool '$tool' (known: ${all[*]})"; exit 2; }
done
for tool in "${wanted[@]}"; do
  # Each build cds into a work directory of its own; a subshell keeps that from the next one.
  (build_"${tool//-/_}")
done
log "upstream binaries ready in $CACHE_ROOT"

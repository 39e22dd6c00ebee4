#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need (docs/design.md §7). Idempotent: does
# nothing when everything is present. Needs root (or sudo) on a fresh Debian 12 machine.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-format git openssl ca-certificates
  libcpprest-dev libssl-dev libboost-program-options-dev libboost-system-dev
  libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libfmt-dev catch2
  libjwt-dev libcrypt-dev prometheus-cpp-dev
  docker-registry skopeo python3 python3-yaml curl
  # The local cluster's real node (hack/node.sh) and its images (hack/build-images.sh).
  containerd runc containernetworking-plugins iptables iproute2 conntrack util-linux
  dnsutils buildah busybox-static podman
  # The lint tier.
  shellcheck
  # The fuzz tier: clang and its libFuzzer/sanitizer runtimes (the tsan tier uses g++'s libtsan).
  clang-14 libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[install-deps] installing: ${missing[*]}" >&2
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Go builds the upstream test tools (hack/build-upstream.sh); Kubernetes 1.34 needs Go >= 1.24
# and helm v4.3.2 Go >= 1.26 (its go.mod), newer than Debian 12's golang package, so a Go
# toolchain must already be on the machine.
export PATH="$PATH:/usr/local/go/bin"
if ! command -v go >/dev/null; then
  echo "[install-deps] Go >= 1.26 is required to build the test control plane and helm (not found)" >&2
  exit 1
fi

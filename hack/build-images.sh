#!/usr/bin/env bash
# Builds the container images the local cluster's real node runs, without a daemon (buildah with
# the vfs driver and chroot isolation, every image `from scratch`: nothing can be pulled here),
# and optionally loads them into a containerd.
#
#   hack/build-images.sh [--load CONTAINERD_SOCKET] [IMAGE...]
#
# IMAGE is any of (all when none is named):
#   pause      registry.k8s.io/pause:3.10        the pod sandbox: a static C program that pause()s
#   coredns    localhost/coredns:dev             CoreDNS from hack/build-upstream.sh, non-root
#   registry   localhost/registry:dev            Debian's docker-registry as /bin/registry, non-root
#   toolbox    localhost/toolbox:dev             Debian's busybox-static and glibc's getent, for tests
#   operator   localhost/registry-operator:dev   build/registry-operator, non-root
#
# Each image is written as a docker-archive under $CACHE_ROOT/images, named by a hash of what goes
# into it, so an unchanged image is neither rebuilt nor re-imported. The operator binary is taken
# from $OPERATOR_BINARY (default build/registry-operator), which must exist.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=hack/versions.sh
source "$here/versions.sh"
# shellcheck source=hack/cluster-network.sh
source "$here/cluster-network.sh"

IMAGES_DIR=$CACHE_ROOT/images
STORE=$CACHE_ROOT/buildah
# The numeric user every image but pause runs as; the operator's default runAsUser matches it.
IMAGE_UID=$VOLUME_UID
OPERATOR_BINARY=${OPERATOR_BINARY:-$repo/build/registry-operator}
export BUILDAH_ISOLATION=chroot

log() { echo "[build-images] $*" >&2; }

declare -A IMAGE_NAMES=(
  [pause]=registry.k8s.io/pause:3.10
  [coredns]=localhost/coredns:dev
  [registry]=localhost/registry:dev
  [toolbox]=localhost/toolbox:dev
  [operator]=localhost/registry-operator:dev
)
ALL_IMAGES=(pause coredns registry toolbox operator)

load_socket=""
wanted=()
while (($#)); do
  case $1 in
  --load)
    load_socket=$2
    shift 2
    ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 0
    ;;
  *)
    [[ -n ${IMAGE_NAMES[$1]:-} ]] || {
      log "unknown image '$1' (known: ${ALL_IMAGES[*]})"
      exit 2
    }
    wanted+=("$1")
    shift
    ;;
  esac
done
((${#wanted[@]})) || wanted=("${ALL_IMAGES[@]}")

buildah_() { buildah --root "$STORE/root" --runroot "$STORE/run" --storage-driver vfs "$@"; }

stage_pause() {
  local rootfs=$1 src
  src=$(mktemp -d)
  # Reaps the children it inherits as PID 1 of the sandbox and waits for a signal to exit.
  cat >"$src/pause.c" <<'C'
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
static void stop(int sig) { (void)sig; _exit(0); }
static void reap(int sig) { (void)sig; while (waitpid(-1, NULL, WNOHANG) > 0) {} }
int main(void) {
  struct sigaction stop_action = {.sa_handler = stop}, reap_action = {.sa_handler = reap};
  sigaction(SIGINT, &stop_action, NULL);
  sigaction(SIGTERM, &stop_action, NULL);
  reap_action.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &reap_action, NULL);
  for (;;) pause();
}
C
  gcc -static -Os -s -o "$src/pause" "$src/pause.c"
  install -D -m 0755 "$src/pause" "$rootfs/pause"
  rm -rf "$src"
  CONFIG=(--entrypoint '["/pause"]' --user 65535:65535)
}

stage_coredns() {
  [[ -x $COREDNS_BIN/coredns ]] || "$here/build-upstream.sh"
  "$here/stage-rootfs.sh" "$1" "$COREDNS_BIN/coredns" /coredns --user "$IMAGE_UID"
  CONFIG=(--entrypoint '["/coredns"]' --user "$IMAGE_UID:$IMAGE_UID" --port 53/udp --port 53/tcp)
}

stage_registry() {
  "$here/stage-rootfs.sh" "$1" /usr/bin/docker-registry /bin/registry --user "$IMAGE_UID"
  install -d -m 0755 -o "$IMAGE_UID" -g "$IMAGE_UID" "$1/var/lib/registry"
  CONFIG=(--entrypoint '["/bin/registry"]' --cmd 'serve /etc/docker/registry/config.yml'
    --user "$IMAGE_UID:$IMAGE_UID" --port 5000/tcp --volume /var/lib/registry)
}

stage_toolbox() {
  "$here/stage-rootfs.sh" "$1" /bin/busybox /bin/busybox --user "$IMAGE_UID"
  local applet
  for applet in sh ls cat nslookup sleep echo; do ln -s busybox "$1/bin/$applet"; done
  # A static busybox cannot resolve names through libc (its nslookup ignores search domains, and
  # its wget crashes in static glibc's getaddrinfo); glibc's getent resolves like any program.
  "$here/stage-rootfs.sh" "$1" /usr/bin/getent /usr/bin/getent
  CONFIG=(--entrypoint '["/bin/sh"]' --user "$IMAGE_UID:$IMAGE_UID")
}

stage_operator() {
  [[ -x $OPERATOR_BINARY ]] || {
    log "error: $OPERATOR_BINARY does not exist (build it first: cmake --build build)"
    exit 1
  }
  "$here/stage-rootfs.sh" "$1" "$OPERATOR_BINARY" /usr/bin/registry-operator \
    --user "$IMAGE_UID" --ca-certificates
  CONFIG=(--entrypoint '["/usr/bin/registry-operator"]' --cmd run --user "$IMAGE_UID:$IMAGE_UID")
}

# Everything an image is made of, so the cache key changes whenever its content would.
inputs_of() {
  case $1 in
  pause) sed -n '/^stage_pause()/,/^}/p' "$0" ;;
  coredns) echo "$COREDNS_VERSION" ;;
  registry) dpkg-query -W -f='${Version}' docker-registry ;;
  toolbox) dpkg-query -W -f='${Version}' busybox-static libc-bin ;;
  operator) sha256sum "$OPERATOR_BINARY" ;;
  esac
  sed -n "/^stage_$1()/,/^}/p" "$0"
  cat "$here/stage-rootfs.sh"
  echo "$IMAGE_UID"
}

# build NAME: prints the path of NAME's docker-archive, building it unless cached.
build() {
  local name=$1 ref=${IMAGE_NAMES[$1]} key archive rootfs ctr
  [[ $name != toolbox ]] || command -v busybox >/dev/null || apt_install busybox-static
  key=$(inputs_of "$name" | sha256sum | cut -c1-16)
  archive=$IMAGES_DIR/$name-$key.tar
  if [[ ! -s $archive ]]; then
    log "building $ref"
    mkdir -p "$IMAGES_DIR" "$STORE"
    rootfs=$(mktemp -d)
    CONFIG=()
    "stage_$name" "$rootfs"
    ctr=$(buildah_ from scratch)
    buildah_ copy --quiet "$ctr" "$rootfs" / >/dev/null
    buildah_ config --os linux --arch amd64 "${CONFIG[@]}" \
      --label "org.opencontainers.image.source=registry-operator/hack/build-images.sh" "$ctr"
    buildah_ commit --quiet --rm "$ctr" "$ref" >/dev/null
    rm -f "$IMAGES_DIR/$name"-*.tar
    buildah_ push --quiet "$ref" "docker-archive:$archive.tmp:$ref" >/dev/null
    mv "$archive.tmp" "$archive"
    buildah_ rmi --force "$ref" >/dev/null 2>&1 || true
    rm -rf "$rootfs"
  fi
  echo "$archive"
}

apt_install() {
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# load ARCHIVE REF: imports into containerd's k8s.io namespace (the one the CRI plugin uses). A
# marker beside the socket remembers which archive was imported last, so an unchanged image is not
# imported again into the same containerd.
load() {
  local archive=$1 ref=$2 marker
  marker=$(dirname "$load_socket")/imported-${ref//[\/:]/_}
  if [[ $(cat "$marker" 2>/dev/null) == "$archive" ]] &&
    ctr --address "$load_socket" -n k8s.io images ls -q | grep -qxF "$ref"; then
    return 0
  fi
  log "loading $ref into containerd"
  ctr --address "$load_socket" -n k8s.io images import "$archive" >/dev/null
  echo "$archive" >"$marker"
}

for name in "${wanted[@]}"; do
  archive=$(build "$name")
  if [[ -n $load_socket ]]; then
    load "$archive" "${IMAGE_NAMES[$name]}"
  else
    echo "${IMAGE_NAMES[$name]} $archive"
  fi
done

#!/usr/bin/env bash
# Builds the OLM bundle image, localhost/<package>-bundle:<version> (registry-operator-bundle:0.1.0
# today), from bundle/bundle.Containerfile with `buildah bud`, without a daemon: vfs storage and
# chroot isolation as in hack/build-images.sh, in a storage of its own so that the two never
# contend for one store's locks. The image is FROM scratch, so nothing is pulled.
#
#   hack/build-bundle-image.sh                 build into the cache (unless an identical bundle/
#                                              was built before) and print "REF ARCHIVE"
#   hack/build-bundle-image.sh --archive PATH  always build, and write the oci-archive to PATH
#
# The cached archive is $CACHE_ROOT/images/bundle-<hash of bundle/>.tar. The build is
# reproducible (timestamps at the epoch), so an unchanged bundle/ gives the same digest anywhere.
# Publishing it is `skopeo copy oci-archive:ARCHIVE docker://<registry>/<name>:<version>`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=hack/versions.sh
source "$here/versions.sh"

IMAGES_DIR=$CACHE_ROOT/images
STORE=$CACHE_ROOT/buildah-bundle
BUNDLE=$root/bundle
export BUILDAH_ISOLATION=chroot

log() { echo "[build-bundle-image] $*" >&2; }

archive=""
case ${1:-} in
"") ;;
--archive)
  [[ -n ${2:-} ]] || { log "--archive needs a path"; exit 2; }
  archive=$2
  ;;
*)
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
  ;;
esac

[[ -f $BUNDLE/bundle.Containerfile ]] || { log "no $BUNDLE/bundle.Containerfile (hack/generate-bundle.sh writes it)"; exit 1; }
# The name and tag come from the bundle itself: its package and its CSV's version.
read -r package version < <(python3 - "$BUNDLE" <<'PY'
import glob, os, sys, yaml
bundle = sys.argv[1]
annotations = yaml.safe_load(open(os.path.join(bundle, "metadata", "annotations.yaml")))["annotations"]
[csv] = glob.glob(os.path.join(bundle, "manifests", "*.clusterserviceversion.yaml"))
print(annotations["operators.operatorframework.io.bundle.package.v1"], yaml.safe_load(open(csv))["spec"]["version"])
PY
)
ref=localhost/$package-bundle:$version

if [[ -z $archive ]]; then
  key=$( (cd "$BUNDLE" && find . -type f -print0 | sort -z | xargs -0 sha256sum; buildah --version) | sha256sum | cut -c1-16)
  archive=$IMAGES_DIR/bundle-$key.tar
  if [[ -s $archive ]]; then
    echo "$ref $archive"
    exit 0
  fi
  mkdir -p "$IMAGES_DIR"
  rm -f "$IMAGES_DIR"/bundle-*.tar
fi

buildah_() { buildah --root "$STORE/root" --runroot "$STORE/run" --storage-driver vfs "$@"; }
mkdir -p "$STORE"
log "building $ref"
# --timestamp 0: the same bundle/ makes the same image, byte for byte. --identity-label=false:
# no io.buildah.version label, which would tie the image to this machine's buildah.
buildah_ bud --quiet --isolation chroot --timestamp 0 --identity-label=false --pull=false \
  --os linux --arch amd64 -f "$BUNDLE/bundle.Containerfile" -t "$ref" "$BUNDLE" >/dev/null
rm -f "$archive.tmp"
buildah_ push --quiet "$ref" "oci-archive:$archive.tmp:$ref" >/dev/null
mv "$archive.tmp" "$archive"
buildah_ rmi --force "$ref" >/dev/null 2>&1 || true
echo "$ref $archive"

#!/usr/bin/env bash
# Writes bundle/, the OLM (OperatorHub) bundle of registry-operator, from manifests/ and crds/:
#
#   hack/generate-bundle.sh           regenerate bundle/
#   hack/generate-bundle.sh --check   regenerate into a temporary folder and fail, showing the
#                                     diff, when the committed bundle/ differs
#
# The CSV's permissions and Deployment come from manifests/ (hack/olm/generate.py reads them by
# kind and name), its long description and icon from hack/olm/, the version from CMakeLists.txt.
# Everything else the package says about itself is set here.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

PACKAGE=registry-operator
CHANNELS=alpha
DEFAULT_CHANNEL=alpha
# Fixed, not the time of the run, so that --check is reproducible; move it with each release.
CREATED_AT=2026-12-06T00:00:00Z
# The CRD's CEL validation rules are GA from 1.29; 1.30 is the oldest release this bundle claims,
# and only the K8S_VERSION of hack/versions.sh is tested.
MIN_KUBE_VERSION=1.30.0
# The project has no public home yet: replace this placeholder (.example is reserved, it names
# no one's site) before the bundle is published anywhere.
PROJECT_URL=https://registry-operator.example/
PROVIDER="registry-operator maintainers"
# The address the repository's commits carry.
MAINTAINER_NAME="registry-operator maintainers"
MAINTAINER_EMAIL=maintainers@users.noreply.r-seed-ed08272e.example

version=$(sed -n 's/^project(registry-operator VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
[[ -n $version ]] || { echo "generate-bundle: no version in CMakeLists.txt's project()" >&2; exit 1; }

check=false
case ${1:-} in
"") ;;
--check) check=true ;;
*)
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
  ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$here/olm/generate.py" --root "$root" --out "$tmp/bundle" \
  --package "$PACKAGE" --version "$version" --channels "$CHANNELS" \
  --default-channel "$DEFAULT_CHANNEL" --created-at "$CREATED_AT" \
  --min-kube-version "$MIN_KUBE_VERSION" --project-url "$PROJECT_URL" \
  --maintainer-name "$MAINTAINER_NAME" --maintainer-email "$MAINTAINER_EMAIL" \
  --provider "$PROVIDER"

if $check; then
  if ! diff -ru "$root/bundle" "$tmp/bundle"; then
    echo "generate-bundle: bundle/ is not what manifests/, crds/ and hack/olm/ make; run hack/generate-bundle.sh" >&2
    exit 1
  fi
  echo "generate-bundle: bundle/ matches manifests/, crds/ and hack/olm/"
else
  rm -rf "$root/bundle"
  cp -r "$tmp/bundle" "$root/bundle"
  echo "generate-bundle: wrote bundle/ ($PACKAGE $version, channel $CHANNELS)"
fi

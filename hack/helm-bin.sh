# shellcheck shell=bash
# Sourced by the scripts that run helm: sets HELM to the pinned helm (HELM_VERSION and HELM_BIN in
# hack/versions.sh). A missing one is built (hack/build-upstream.sh helm, about 5 minutes cold on
# 2 cores), except under CI=true: there hack/test.sh builds it before the tests, so a missing
# helm is a failure, never a silent pass.
source "$(dirname "${BASH_SOURCE[0]}")/versions.sh"
HELM="$HELM_BIN/helm"
if [[ ! -x $HELM ]]; then
  if [[ ${CI:-} == true ]]; then
    echo "helm $HELM_VERSION not found at $HELM; hack/build-upstream.sh helm builds it" >&2
    exit 1
  fi
  echo "helm $HELM_VERSION not found at $HELM: building it (hack/build-upstream.sh helm)" >&2
  PATH="$PATH:/usr/local/go/bin" "$(dirname "${BASH_SOURCE[0]}")/build-upstream.sh" helm >&2
  [[ -x $HELM ]] || { echo "hack/build-upstream.sh helm did not leave $HELM" >&2; exit 1; }
fi

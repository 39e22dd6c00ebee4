#!/usr/bin/env bash
# Generates the plain install from the Helm chart helm/registry-operator, so the two never drift:
#
#   manifests/NN-*.yaml                      `helm template` with the chart's defaults and
#                                            namespace.create=true, one file per template
#   manifests/optional/servicemonitor.yaml   the ServiceMonitor of metrics.serviceMonitor.enabled
#   helm/registry-operator/crds/*.yaml       copies of crds/*.yaml (Helm installs a chart's CRDs
#                                            from its crds/ folder; crds/ stays the source)
#
# Helm-only lines are dropped: the `# Source:` comments and the labels helm.sh/chart,
# app.kubernetes.io/version and app.kubernetes.io/managed-by (nothing versions or manages the
# plain files). Selectors are the chart's own, app.kubernetes.io/instance included.
#
#   hack/generate-manifests.sh           (re)writes those files: edit the chart, then run this
#   hack/generate-manifests.sh --check   generates into a temporary directory and fails, showing
#                                        the diff, when the committed files differ (lint tier)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

check=false
case ${1:-} in
"") ;;
--check) check=true ;;
*)
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
source hack/helm-bin.sh # sets HELM

chart=helm/registry-operator
release=registry-operator
namespace=registry-operator-system
out=$(mktemp -d /tmp/generate-manifests.XXXXXX)
trap 'rm -rf "$out"' EXIT

# split_render FILE TEMPLATE=OUTPUT...: writes each document of the `helm template` output FILE
# into $out/OUTPUT of the template it came from (documents of one template into one file, in
# order), without Helm's own lines. A template that renders something and has no OUTPUT here is
# an error: a new template needs a file name (and a number, for `kubectl apply -f`'s order).
split_render() {
  python3 - "$out" "$@" <<'PY'
import re, sys
out, render, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
files = dict(pair.split("=", 1) for pair in pairs)
header = ("# Generated from helm/registry-operator by hack/generate-manifests.sh: change the chart,\n"
          "# then run that script.\n")
helm_only = re.compile(r"^\s+(helm\.sh/chart: .*|app\.kubernetes\.io/version: .*|"
                       r"app\.kubernetes\.io/managed-by: Helm)$")
documents = {}  # output file -> its documents, in order
for document in re.split(r"^---$", open(render).read(), flags=re.M):
    source = re.search(r"^# Source: [^/]+/templates/(\S+)$", document, flags=re.M)
    if source is None:
        if document.strip():
            sys.exit("generate-manifests: a document without its '# Source:' line:\n" + document)
        continue
    template = source.group(1)
    if template not in files:
        sys.exit(f"generate-manifests: templates/{template} rendered objects but has no file "
                 "in the table of hack/generate-manifests.sh")
    lines = [l for l in document.strip("\n").split("\n")
             if not l.startswith("# Source: ") and not helm_only.match(l)]
    documents.setdefault(files[template], []).append("\n".join(lines).strip("\n") + "\n")
missing = [t for t, f in files.items() if f not in documents]
if missing:
    sys.exit(f"generate-manifests: expected objects from templates/{', templates/'.join(missing)}")
for name, docs in documents.items():
    with open(f"{out}/{name}", "w") as f:
        f.write(header + "---\n".join(docs))
PY
}

mkdir -p "$out/manifests/optional" "$out/crds"
# The plain install: everything but the ServiceMonitor, whose API may not be served.
"$HELM" template "$release" "$chart" --namespace "$namespace" --set namespace.create=true \
  >"$out/render.yaml"
split_render "$out/render.yaml" \
  namespace.yaml=manifests/00-namespace.yaml \
  serviceaccount.yaml=manifests/01-serviceaccount.yaml \
  clusterrole.yaml=manifests/02-clusterrole.yaml \
  clusterrolebinding.yaml=manifests/03-clusterrolebinding.yaml \
  role-leader-election.yaml=manifests/05-role-leader-election.yaml \
  service-metrics.yaml=manifests/06-service-metrics.yaml \
  deployment.yaml=manifests/07-deployment.yaml
# The same with the ServiceMonitor; only that is kept.
"$HELM" template "$release" "$chart" --namespace "$namespace" --set namespace.create=true \
  --set metrics.serviceMonitor.enabled=true --show-only templates/servicemonitor.yaml \
  >"$out/render-servicemonitor.yaml"
split_render "$out/render-servicemonitor.yaml" servicemonitor.yaml=manifests/optional/servicemonitor.yaml
cp crds/*.yaml "$out/crds/"

if $check; then
  status=0
  diff -ru manifests "$out/manifests" || status=1
  diff -ru "$chart/crds" "$out/crds" || status=1
  if ((status)); then
    echo "generate-manifests: manifests/ or $chart/crds/ differ from the chart and crds/ (diff above, -" \
      "committed, + generated); run hack/generate-manifests.sh and commit the result" >&2
    exit 1
  fi
  echo "generate-manifests: manifests/ and $chart/crds/ match the chart and crds/"
else
  # Whole directories: a file no longer generated goes too.
  rm -rf manifests "$chart/crds"
  cp -r "$out/manifests" manifests
  cp -r "$out/crds" "$chart/crds"
  echo "generate-manifests: wrote manifests/ and $chart/crds/"
fi

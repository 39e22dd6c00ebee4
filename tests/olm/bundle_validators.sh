#!/usr/bin/env bash
# bundle/ through operator-framework's own validators (hack/bundle-validate): no error may
# remain; warnings are printed for the reader. Then a broken copy must fail with the errors its
# breakage calls for, so a validator that checks nothing cannot pass this test.
set -euo pipefail
# shellcheck source=tests/olm/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=hack/versions.sh
source "$root/hack/versions.sh"
validate=$BUNDLE_VALIDATE_BIN/bundle-validate
need_tool "$validate" "build it: hack/build-upstream.sh bundle-validate"
# The deprecated-API and OperatorHub checks judge against the Kubernetes release tested here.
k8s=${K8S_VERSION#v}
k8s=${k8s%.*}

"$validate" --k8s-version "$k8s" "$root/bundle"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$root/bundle" "$tmp/bundle"
python3 - "$tmp/bundle" <<'PY'
import glob, os, sys, yaml
bundle = sys.argv[1]
[csv_path] = glob.glob(os.path.join(bundle, "manifests", "*.clusterserviceversion.yaml"))
csv = yaml.safe_load(open(csv_path))
csv["metadata"]["annotations"]["categories"] = "Nonsense"
csv["metadata"]["annotations"]["capabilities"] = "Basic"
csv["spec"]["icon"][0]["base64Data"] = csv["spec"]["icon"][0].pop("base64data")
yaml.safe_dump(csv, open(csv_path, "w"))
for crd in glob.glob(os.path.join(bundle, "manifests", "*_registryconfigs.yaml")):
    os.remove(crd)
PY
status=0
"$validate" --k8s-version "$k8s" "$tmp/bundle" >"$tmp/out" || status=$?
cat "$tmp/out"
[[ $status -eq 1 ]] || { echo "FAIL: the broken bundle exited $status, not 1" >&2; exit 1; }
for expected in 'unknown field "spec.icon\[0\].base64Data"' 'not in the set of standard categories' \
  'not a valid capabilities level' 'owned CRD .* not found in bundle'; do
  grep -q "^ERROR .*$expected" "$tmp/out" || { echo "FAIL: no error matching '$expected' for the broken bundle" >&2; exit 1; }
done
echo "PASS: bundle/ has no validator error; the broken copy has the four expected"

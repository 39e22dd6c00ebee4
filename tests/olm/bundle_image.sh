#!/usr/bin/env bash
# The bundle image as hack/build-bundle-image.sh builds it with buildah: its labels are the
# bundle's annotations, its files are exactly bundle/manifests and bundle/metadata, and building
# it twice gives the same digest.
set -euo pipefail
# shellcheck source=tests/olm/lib.sh
source "$(dirname "$0")/lib.sh"
need_tool buildah "hack/install-deps.sh installs it"
need_tool skopeo "hack/install-deps.sh installs it"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
read -r ref archive < <("$root/hack/build-bundle-image.sh" --archive "$tmp/first.tar")
read -r _ _ < <("$root/hack/build-bundle-image.sh" --archive "$tmp/second.tar")
echo "built $ref into $archive"
[[ $ref == localhost/registry-operator-bundle:* ]] || { echo "FAIL: unexpected name $ref" >&2; exit 1; }

skopeo inspect "oci-archive:$tmp/first.tar" >"$tmp/first.json"
skopeo inspect "oci-archive:$tmp/second.tar" >"$tmp/second.json"
cat "$tmp/first.json"

python3 - "$root/bundle" "$tmp" <<'PY'
import io, json, os, sys, tarfile, yaml
bundle, tmp = sys.argv[1], sys.argv[2]
failures = []
first = json.load(open(os.path.join(tmp, "first.json")))
second = json.load(open(os.path.join(tmp, "second.json")))
if first["Digest"] != second["Digest"]:
    failures.append(f"two builds of one bundle/ differ: {first['Digest']} and {second['Digest']}")

# Every annotation of metadata/annotations.yaml is a label with the same value.
annotations = yaml.safe_load(open(os.path.join(bundle, "metadata", "annotations.yaml")))["annotations"]
labels = first.get("Labels") or {}
for key, value in annotations.items():
    if labels.get(key) != value:
        failures.append(f"label {key} is {labels.get(key)!r}, the bundle says {value!r}")
for key in ("mediatype", "manifests", "metadata", "package", "channels", "channel.default"):
    if f"operators.operatorframework.io.bundle.{key}.v1" not in labels:
        failures.append(f"no label operators.operatorframework.io.bundle.{key}.v1")

# The image's files, read from the archive's layers (the OCI layout inside the tar).
outer = tarfile.open(os.path.join(tmp, "first.tar"))
def blob(digest):
    return outer.extractfile("blobs/sha256/" + digest.split(":", 1)[1]).read()
index = json.load(outer.extractfile("index.json"))
manifest = json.loads(blob(index["manifests"][0]["digest"]))
files = {}
for layer in manifest["layers"]:
    with tarfile.open(fileobj=io.BytesIO(blob(layer["digest"])), mode="r:*") as t:
        for member in t.getmembers():
            if member.isfile():
                files[member.name.lstrip("./").lstrip("/")] = t.extractfile(member).read()
expected = {}
for sub in ("manifests", "metadata"):
    for name in os.listdir(os.path.join(bundle, sub)):
        expected[f"{sub}/{name}"] = open(os.path.join(bundle, sub, name), "rb").read()
for name in sorted(set(expected) | set(files)):
    if name not in files:
        failures.append(f"{name} is missing from the image")
    elif name not in expected:
        failures.append(f"{name} is in the image but not in bundle/")
    elif files[name] != expected[name]:
        failures.append(f"{name} in the image differs from bundle/{name}")
csv = [n for n in files if n.endswith(".clusterserviceversion.yaml")]
if len(csv) != 1:
    failures.append(f"the image holds {len(csv)} CSVs, not one")
else:
    doc = yaml.safe_load(files[csv[0]])
    print(f"image CSV: {csv[0]}: {doc['metadata']['name']}, version {doc['spec']['version']}")
print(f"image files: {', '.join(sorted(files))}")
if failures:
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    sys.exit(1)
print(f"PASS: labels, files and a reproducible digest ({first['Digest']})")
PY

#!/usr/bin/env bash
# `registry-operator mirror` between two real distribution registries (Debian's docker-registry)
# on loopback: a source behind htpasswd and TLS (its own CA), holding images pushed by skopeo from
# OCI layouts built here (images sharing a base layer, and an OCI index with two children), and a
# target with TLS (another CA). The mirror copies tags with equal digests (checked through both
# APIs with the manifest Accept header, the index's children included); a second run imports
# nothing; a moved source tag is imported again; --mount-from mounts the shared layer instead of
# uploading it (the summary's counts and the target's access log); --source-insecure reads a
# plain-http source; the pull secret's credentials are used and a wrong password exits 4;
# nobody listening or an untrusted certificate exits 3; a missing tag exits 1 and is in `failed`
# while the other tags are copied; a tag in --source is a usage error (2).
source "$(dirname "$0")/lib.sh"

# ca NAME: a self-signed CA ($work/NAME-ca.crt) and a serving certificate it signs for 127.0.0.1
# ($work/NAME.crt, $work/NAME.key).
ca() {
  local name=$1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj "/CN=mirror test $name CA" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$work/$name-ca.key" -out "$work/$name-ca.crt" 2>/dev/null || fail "openssl: the $name CA"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
    -keyout "$work/$name.key" -out "$work/$name.csr" 2>/dev/null || fail "openssl: the $name request"
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$work/$name.ext"
  openssl x509 -req -in "$work/$name.csr" -CA "$work/$name-ca.crt" -CAkey "$work/$name-ca.key" \
    -CAcreateserial -days 1 -extfile "$work/$name.ext" -out "$work/$name.crt" 2>/dev/null ||
    fail "openssl: the $name certificate"
  mkdir -p "$work/$name-certs.d"
  cp "$work/$name-ca.crt" "$work/$name-certs.d/ca.crt"  # skopeo's --*-cert-dir layout
}

# One OCI layout, $work/layout, with tags v1, v1-next, v2 (images that share the layer "base")
# and multi (an OCI index of an amd64 and an arm64 image); $work/layout.json holds each tag's
# digest, each blob's name and the index's children.
build_layout() {
  python3 - "$work" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
work = sys.argv[1]
out = f"{work}/layout"
os.makedirs(f"{out}/blobs/sha256", exist_ok=True)
entries, tags, blobs, children = [], {}, {}, []
def blob(data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    open(f"{out}/blobs/sha256/{digest[7:]}", "wb").write(data)
    return {"digest": digest, "size": len(data)}
def layer(name):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        data = (name + " content\n").encode() * 50
        info = tarfile.TarInfo(name + ".txt"); info.size = len(data); info.mode = 0o644
        tar.addfile(info, io.BytesIO(data))
    descriptor = blob(gzip.compress(raw.getvalue(), mtime=0))
    blobs[name] = descriptor["digest"]
    return descriptor, "sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()
def image(name, layer_names, arch="amd64"):
    layers = [layer(n) for n in layer_names]
    config = blob(json.dumps({"architecture": arch, "os": "linux", "created": "2026-01-01T00:00:00Z",
        "config": {"Labels": {"image": name}},
        "rootfs": {"type": "layers", "diff_ids": [d for _, d in layers]}}).encode())
    blobs[name + "-config"] = config["digest"]
    return dict(blob(json.dumps({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": dict(config, mediaType="application/vnd.oci.image.config.v1+json"),
        "layers": [dict(d, mediaType="application/vnd.oci.image.layer.v1.tar+gzip") for d, _ in layers]},
        indent=2).encode()), mediaType="application/vnd.oci.image.manifest.v1+json")
def tag(name, descriptor):
    entries.append(dict(descriptor, annotations={"org.opencontainers.image.ref.name": name}))
    tags[name] = descriptor["digest"]
tag("v1", image("v1", ["base", "v1-own"]))
tag("v1-next", image("v1-next", ["base", "v1-next-own"]))
tag("v2", image("v2", ["base", "v2-own"]))
amd64, arm64 = image("multi-amd64", ["base", "amd64-own"]), image("multi-arm64", ["arm64-own"], "arm64")
children = [amd64["digest"], arm64["digest"]]
tag("multi", dict(blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [dict(amd64, platform={"architecture": "amd64", "os": "linux"}),
                  dict(arm64, platform={"architecture": "arm64", "os": "linux"})]}).encode()),
    mediaType="application/vnd.oci.image.index.v1+json"))
json.dump({"schemaVersion": 2, "manifests": entries}, open(f"{out}/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(f"{out}/oci-layout", "w"))
json.dump({"tags": tags, "blobs": blobs, "children": children}, open(f"{work}/layout.json", "w"))
PY
}
layout() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(v[sys.argv[3]] if sys.argv[3:] else " ".join(v))' "$work/layout.json" "$@"; }

# head_digest BASE REPO REF [curl args]: the Docker-Content-Digest of a manifest HEAD with the
# Accept header of all four manifest types; nothing when there is no such manifest.
head_digest() {
  local base=$1 repo=$2 ref=$3
  shift 3
  curl -s -o /dev/null -D - -I -H "Accept: $ACCEPT" "$@" "$base/v2/$repo/manifests/$ref" |
    tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" { print $2 }'
}
# summary_tags FILE: "tag digest imported blobsCopied blobsMounted" per copied tag, then
# "failed tag" per failed one, from the JSON summary (the last line).
summary_tags() {
  python3 - "$1" <<'PY'
import json, sys
summary = json.loads(open(sys.argv[1]).read().splitlines()[-1])
for t in summary["tags"]:
    print(t["tag"], t["digest"], str(t["imported"]).lower(), t["blobsCopied"], t["blobsMounted"])
for f in summary["failed"]:
    print("failed", f["tag"])
PY
}
# expect_summary FILE EXPECTED: the summary's tag lines are EXPECTED (one per line).
expect_summary() { diff -u <(echo "$2") <(summary_tags "$1") >&2 || fail "summary $1: $(tail -n 1 "$1")"; }

ca source
ca target
build_layout
password="src-$RANDOM-secret"
make_htpasswd puller "$password" "$work/htpasswd"

scheme=https cacert="$work/source-ca.crt" serve source false "  tls: {certificate: $work/source.crt, key: $work/source.key}
auth:
  htpasswd: {realm: mirror-test, path: $work/htpasswd}"
source_port=$port
source_api=(--cacert "$work/source-ca.crt" -u "puller:$password")
scheme=https cacert="$work/target-ca.crt" serve target false "  tls: {certificate: $work/target.crt, key: $work/target.key}"
target_port=$port
target_api=(--cacert "$work/target-ca.crt")
source_url="https://127.0.0.1:$source_port"
target_url="https://127.0.0.1:$target_port"

push() {  # push TAG [AS]: the layout's TAG to upstream/app:AS on the source
  skopeo copy --quiet --all --dest-cert-dir "$work/source-certs.d" --dest-creds "puller:$password" \
    "oci:$work/layout:$1" "docker://127.0.0.1:$source_port/upstream/app:${2:-$1}" || fail "skopeo copy of $1"
}
for tag in v1 v2 multi; do push "$tag"; done
for tag in v1 v2 multi; do
  [[ $(head_digest "$source_url" upstream/app "$tag" "${source_api[@]}") == "$(layout tags "$tag")" ]] ||
    fail "skopeo changed the digest of $tag"
done

python3 - "$password" >"$work/pull-secret.json" <<PY
import base64, json, sys
auth = base64.b64encode(("puller:" + sys.argv[1]).encode()).decode()
json.dump({"auths": {"127.0.0.1:$source_port": {"auth": auth}}}, sys.stdout)
PY
mirror_args=(--source "127.0.0.1:$source_port/upstream/app" --target "$target_url"
  --target-ca-file "$work/target-ca.crt" --source-ca-file "$work/source-ca.crt"
  --pull-secret-file "$work/pull-secret.json")
# mirror NAME ARGS...: runs the mirror with mirror_args and ARGS; output in $work/NAME.{out,err};
# sets $status.
mirror() {
  local name=$1
  shift
  status=0
  "$OPERATOR" mirror "${mirror_args[@]}" "$@" >"$work/$name.out" 2>"$work/$name.err" || status=$?
  grep -q -- "$password" "$work/$name.out" "$work/$name.err" && fail "$name: the password reached the output"
  return 0
}

# 1. The first run copies v1 and the index, with the index's children, byte for byte.
mirror first --target-repository mirror/app --tag v1 --tag multi --summary-file "$work/first.json"
[[ $status == 0 ]] || { cat "$work/first.err" >&2; fail "the first run: exit $status"; }
cat "$work/first.err" >&2
[[ $(wc -l <"$work/first.out") == 1 ]] || fail "stdout is not one line: $(cat "$work/first.out")"
cmp -s "$work/first.out" "$work/first.json" || fail "--summary-file differs from stdout"
[[ $(json_field "$work/first.out" source) == "\"127.0.0.1:$source_port/upstream/app\"" ]] || fail "source: $(cat "$work/first.out")"
[[ $(json_field "$work/first.out" target) == '"mirror/app"' ]] || fail "target: $(cat "$work/first.out")"
[[ $(json_field "$work/first.out" insecure) == false ]] || fail "insecure: $(cat "$work/first.out")"
# v1: its config, base and its own layer; multi: each child's config and own layer (base is
# there already).
expect_summary "$work/first.out" "v1 $(layout tags v1) true 3 0
multi $(layout tags multi) true 4 0"
for tag in v1 multi; do
  [[ $(head_digest "$target_url" mirror/app "$tag" "${target_api[@]}") == "$(layout tags "$tag")" ]] ||
    fail "the target's $tag differs from the source's"
done
for child in $(layout children); do
  [[ $(head_digest "$target_url" mirror/app "$child" "${target_api[@]}") == "$child" ]] ||
    fail "the index's child $child is not in the target"
done
# The bytes are the source's: the pretty-printed manifest comes back as it was pushed.
curl -sf "${target_api[@]}" -H "Accept: $ACCEPT" "$target_url/v2/mirror/app/manifests/v1" |
  cmp -s - "$work/layout/blobs/sha256/$(layout tags v1 | cut -d: -f2)" || fail "the manifest's bytes changed"
echo "PASS: v1 and the index copied with the source's digests (and the index's children)"

# 2. Nothing moved: nothing is imported or copied, and the target gets no write at all.
target_writes() { grep -cE '"(POST|PUT|PATCH|DELETE) /v2/' "$work/target/registry.log" || true; }
writes_before=$(target_writes)
mirror again --target-repository mirror/app --tag v1 --tag multi
[[ $status == 0 ]] || { cat "$work/again.err" >&2; fail "the second run: exit $status"; }
expect_summary "$work/again.out" "v1 $(layout tags v1) false 0 0
multi $(layout tags multi) false 0 0"
[[ $(target_writes) == "$writes_before" ]] ||
  fail "the second run wrote to the target: $(grep -E '"(POST|PUT|PATCH|DELETE) /v2/' "$work/target/registry.log" | tail -n 3)"
echo "PASS: a second run imports nothing and writes nothing"

# 3. The source's v1 moves: it is imported again, only its new blobs copied.
push v1-next v1
mirror moved --target-repository mirror/app --tag v1
[[ $status == 0 ]] || { cat "$work/moved.err" >&2; fail "the run after the move: exit $status"; }
expect_summary "$work/moved.out" "v1 $(layout tags v1-next) true 2 0"
[[ $(head_digest "$target_url" mirror/app v1 "${target_api[@]}") == "$(layout tags v1-next)" ]] ||
  fail "the target's v1 did not move"
echo "PASS: a moved source tag is imported again"

# 4. Into another repository with --mount-from: the shared base layer is mounted, not uploaded.
mirror mount --target-repository mirror/other --tag v2 --mount-from mirror/app
[[ $status == 0 ]] || { cat "$work/mount.err" >&2; fail "the run with --mount-from: exit $status"; }
expect_summary "$work/mount.out" "v2 $(layout tags v2) true 2 1"
base=$(layout blobs base)
grep -q "\"POST /v2/mirror/other/blobs/uploads/?mount=sha256%3A${base#sha256:}&from=mirror%2Fapp HTTP/1.1\" 201" \
  "$work/target/registry.log" || fail "the target's log shows no mount of the base layer"
grep -q "\"PUT /v2/mirror/other/blobs/uploads/[^ ]*digest=sha256%3A${base#sha256:}" "$work/target/registry.log" &&
  fail "the base layer was uploaded although it was mounted"
[[ $(head_digest "$target_url" mirror/other v2 "${target_api[@]}") == "$(layout tags v2)" ]] ||
  fail "the target's mirror/other:v2 differs from the source's"
echo "PASS: --mount-from mounted the shared layer"

# 5. A missing tag: exit 1, the tag in `failed`, the others copied.
mirror partial --target-repository mirror/partial --tag v2 --tag nope --tag multi
[[ $status == 1 ]] || { cat "$work/partial.err" >&2; fail "a missing tag: exit $status, want 1"; }
expect_summary "$work/partial.out" "v2 $(layout tags v2) true 3 0
multi $(layout tags multi) true 4 0
failed nope"
grep -q "manifests/nope: 404 (no such tag or repository)" "$work/partial.out" || fail "the failure does not say why: $(cat "$work/partial.out")"
echo "PASS: a missing tag exits 1 and is in failed, the other tags are copied"

# 6. Credentials: a wrong password and no pull secret exit 4.
python3 -c 'import base64,json,sys; print(json.dumps({"auths":{sys.argv[1]:{"username":"puller","password":"wrong"}}}))' \
  "https://127.0.0.1:$source_port/" >"$work/wrong-secret.json"
# Without the pull secret of mirror_args, so that each run names its own.
mirror_args=(--source "127.0.0.1:$source_port/upstream/app" --target "$target_url"
  --target-ca-file "$work/target-ca.crt" --source-ca-file "$work/source-ca.crt")
mirror wrong --target-repository mirror/app --tag v1 --pull-secret-file "$work/wrong-secret.json"
[[ $status == 4 ]] || { cat "$work/wrong.err" >&2; fail "a wrong password: exit $status, want 4"; }
expect_summary "$work/wrong.out" "failed v1"
mirror anonymous --target-repository mirror/app --tag v1
[[ $status == 4 ]] || { cat "$work/anonymous.err" >&2; fail "no pull secret: exit $status, want 4"; }
# A malformed pull secret fails every tag (exit 1), naming the file but not its content.
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}' "$source_port" "$password" >"$work/bad-secret.json"
mirror malformed --target-repository mirror/app --tag v1 --tag multi --pull-secret-file "$work/bad-secret.json"
[[ $status == 1 ]] || { cat "$work/malformed.err" >&2; fail "a malformed pull secret: exit $status, want 1"; }
expect_summary "$work/malformed.out" "failed v1
failed multi"
message=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["failed"][0]["message"])' "$work/malformed.out")
[[ $message == "$work/bad-secret.json: auths[\"127.0.0.1:$source_port\"].auth: is not base64" ]] ||
  fail "the malformed pull secret is not named: $message"
echo "PASS: a wrong password or no pull secret exits 4, a malformed one 1"

# 7. Trust and reachability: 3 when the target's certificate is not trusted (the source's CA given
# for it), and for a port nobody listens on.
mirror_args=(--source "127.0.0.1:$source_port/upstream/app" --target "$target_url"
  --target-ca-file "$work/source-ca.crt" --source-ca-file "$work/source-ca.crt"
  --pull-secret-file "$work/pull-secret.json")
mirror untrusted --target-repository mirror/app --tag v1
[[ $status == 3 ]] || { cat "$work/untrusted.err" >&2; fail "an untrusted target: exit $status, want 3"; }
mirror_args=(--source "127.0.0.1:$(free_port)/upstream/app" --target "$target_url"
  --target-ca-file "$work/target-ca.crt" --source-ca-file "$work/source-ca.crt")
mirror down --target-repository mirror/app --tag v1 --tag multi
[[ $status == 3 ]] || { cat "$work/down.err" >&2; fail "nobody listening: exit $status, want 3"; }
expect_summary "$work/down.out" "failed v1
failed multi"
echo "PASS: an untrusted certificate or nobody listening exits 3"

# 8. A plain-http source, read with --source-insecure (and refused without it).
serve plain false
push_plain() {
  skopeo copy --quiet --all --dest-tls-verify=false "oci:$work/layout:$1" \
    "docker://127.0.0.1:$port/upstream/app:$1" || fail "skopeo copy of $1 to the plain registry"
}
push_plain v2
mirror_args=(--source "127.0.0.1:$port/upstream/app" --target "$target_url" --target-ca-file "$work/target-ca.crt")
mirror plain --target-repository plain/app --tag v2 --source-insecure
[[ $status == 0 ]] || { cat "$work/plain.err" >&2; fail "--source-insecure: exit $status"; }
[[ $(json_field "$work/plain.out" insecure) == true ]] || fail "insecure: $(cat "$work/plain.out")"
expect_summary "$work/plain.out" "v2 $(layout tags v2) true 3 0"
mirror tls-to-plain --target-repository plain/app --tag v2
[[ $status == 3 ]] || { cat "$work/tls-to-plain.err" >&2; fail "TLS to a plain registry: exit $status, want 3"; }
echo "PASS: --source-insecure reads a plain-http source"

# 9. Usage: a tag in --source.
mirror_args=(--target "$target_url")
mirror usage --source "127.0.0.1:$port/upstream/app:v2" --target-repository x --tag v2
[[ $status == 2 ]] || fail "a tag in --source: exit $status, want 2"
grep -q "it has a tag" "$work/usage.err" || fail "the usage error does not say why: $(cat "$work/usage.err")"
echo "PASS: a reference with a tag is a usage error"

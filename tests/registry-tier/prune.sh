#!/usr/bin/env bash
# `registry-operator prune` against the real distribution registry (Debian's docker-registry,
# filesystem storage, deletes enabled), with images pushed by skopeo from OCI layouts built here:
# several repositories, tags of chosen ages, two tags on one digest, OCI indexes with two
# children. A dry run changes nothing; the real run leaves exactly the tags and digests the policy
# keeps (checked through the API with the OCI Accept header). Then the exit codes: 5 from a
# registry with deletes disabled, 3 from a port nobody listens on, 4 from an htpasswd registry
# without credentials (and success with them), and a TLS registry trusted through --ca-file.
source "$(dirname "$0")/lib.sh"

# Builds one OCI layout per repository from a JSON description; prints, per repo:tag, the
# digest the tag must point at, and writes the size of every blob (manifests, configs, layers)
# to $work/blobs.json and each manifest's blobs to $work/refs.json for the byte count.
build_layouts() {
  python3 - "$work" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile, datetime
work = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)
def ago(hours):
    return (now - datetime.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
sizes, refs, tags = {}, {}, {}
class Layout:
    def __init__(self, repo):
        self.repo, self.out, self.entries = repo, f"{work}/layouts/{repo.replace('/', '_')}", []
        os.makedirs(f"{self.out}/blobs/sha256", exist_ok=True)
    def blob(self, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        open(f"{self.out}/blobs/sha256/{digest[7:]}", "wb").write(data)
        sizes[digest] = len(data)
        return {"digest": digest, "size": len(data)}
    def image(self, content, hours, arch="amd64"):
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w") as tar:
            data = content.encode()
            info = tarfile.TarInfo("content.txt"); info.size = len(data); info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        layer = self.blob(gzip.compress(raw.getvalue(), mtime=0))
        config = self.blob(json.dumps({"architecture": arch, "os": "linux", "created": ago(hours),
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()]}}).encode())
        manifest = self.blob(json.dumps({"schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": dict(config, mediaType="application/vnd.oci.image.config.v1+json"),
            "layers": [dict(layer, mediaType="application/vnd.oci.image.layer.v1.tar+gzip")]}).encode())
        refs[manifest["digest"]] = [config["digest"], layer["digest"]]
        return dict(manifest, mediaType="application/vnd.oci.image.manifest.v1+json")
    def index(self, children):
        index = self.blob(json.dumps({"schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [dict(c, platform={"architecture": a, "os": "linux"}) for c, a in children]}).encode())
        refs[index["digest"]] = [c["digest"] for c, _ in children]
        return dict(index, mediaType="application/vnd.oci.image.index.v1+json")
    def tag(self, name, descriptor):
        self.entries.append(dict(descriptor, annotations={"org.opencontainers.image.ref.name": name}))
        tags[f"{self.repo}:{name}"] = descriptor["digest"]
    def save(self):
        json.dump({"schemaVersion": 2, "manifests": self.entries}, open(f"{self.out}/index.json", "w"))
        json.dump({"imageLayoutVersion": "1.0.0"}, open(f"{self.out}/oci-layout", "w"))

# team/app: v5 (30 min), v4 (2 days) with "stable" on the same digest, v3 (6 days), v2 (8 days),
# v1 (10 days) with "old-alias" on the same digest.
app = Layout("team/app")
for name, hours in [("v5", 0.5), ("v4", 48), ("v3", 144), ("v2", 192), ("v1", 240)]:
    app.tag(name, app.image(f"app {name}", hours))
app.tag("stable", {k: v for k, v in app.entries[1].items() if k != "annotations"})
app.tag("old-alias", {k: v for k, v in app.entries[4].items() if k != "annotations"})
app.save()
# team/lib: e (10 min), d (20 min), c (40 min: past the two newest but young), b (3 days), a (5 days).
lib = Layout("team/lib")
for name, hours in [("e", 1 / 6), ("d", 1 / 3), ("c", 2 / 3), ("b", 72), ("a", 120)]:
    lib.tag(name, lib.image(f"lib {name}", hours))
lib.save()
# multi: v3 (3 hours, an image); v2, an index of children 1 and 2 days old, and "v2-amd64" on its
# amd64 child; v1, an index of children 5 and 6 days old.
multi = Layout("multi")
multi.tag("v3", multi.image("multi v3", 3))
v2_amd64 = multi.image("multi v2 amd64", 48)
multi.tag("v2", multi.index([(v2_amd64, "amd64"), (multi.image("multi v2 arm64", 24, "arm64"), "arm64")]))
multi.tag("v2-amd64", v2_amd64)
multi.tag("v1", multi.index([(multi.image("multi v1 amd64", 120), "amd64"),
                             (multi.image("multi v1 arm64", 144, "arm64"), "arm64")]))
multi.save()
# solo: one tag, 10 days old, kept as one of the newest two.
solo = Layout("solo")
solo.tag("only", solo.image("solo", 240))
solo.save()
json.dump({"sizes": sizes, "refs": refs, "tags": tags}, open(f"{work}/layouts.json", "w"))
PY
}

# push_all [REPO] [skopeo args]: copies every tag of every layout (or of REPO's only; "" for
# all) to the registry at $port.
push_all() {
  local only=${1:-} tag repo
  shift || true
  for tag in $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["tags"]))' "$work/layouts.json"); do
    repo=${tag%%:*}
    [[ -z $only || $repo == "$only" ]] || continue
    skopeo copy --quiet --all --dest-tls-verify=false "$@" \
      "oci:$work/layouts/${repo//\//_}:${tag#*:}" "docker://127.0.0.1:$port/$tag" ||
      fail "skopeo copy of $tag"
  done
}

# The registry's view: "repo:tag digest" lines for every tag, sorted.
tag_state() {
  python3 - "http://127.0.0.1:$port" "$ACCEPT" <<'PY'
import json, sys, urllib.request, urllib.error
base, accept = sys.argv[1:]
def get(path, method="GET"):
    request = urllib.request.Request(base + path, method=method, headers={"Accept": accept})
    with urllib.request.urlopen(request) as response:
        return response.headers, response.read()
_, body = get("/v2/_catalog?n=1000")
for repo in sorted(json.loads(body)["repositories"]):
    try:
        _, body = get(f"/v2/{repo}/tags/list")
        tags = json.loads(body).get("tags") or []
    except urllib.error.HTTPError as error:
        if error.code != 404: raise
        tags = []
    for tag in sorted(tags):
        headers, _ = get(f"/v2/{repo}/manifests/{tag}", "HEAD")
        print(f"{repo}:{tag} {headers['Docker-Content-Digest']}")
PY
}
# manifest_status REPO DIGEST: the HTTP status of a HEAD by digest.
manifest_status() {
  curl -s -o /dev/null -w '%{http_code}' -I -H "Accept: $ACCEPT" "http://127.0.0.1:$port/v2/$1/manifests/$2"
}
digest_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tags"][sys.argv[2]])' "$work/layouts.json" "$1"; }

policy=(--keep-tag-revisions 2 --keep-younger-than 1h)
build_layouts

# 1. The main registry: push, then a dry run, then the real prune.
serve main true
push_all
# skopeo kept the digests: the tags point where the layouts say.
python3 - "$work/layouts.json" <(tag_state) <<'PY' || fail "pushed digests differ from the layouts'"
import json, sys
want = json.load(open(sys.argv[1]))["tags"]
have = dict(line.split() for line in open(sys.argv[2]))
sys.exit(0 if want == have else f"want {want}\nhave {have}")
PY
tag_state >"$work/before.txt"
storage_before=$(cd "$work/main/storage" && find . | sort | sha256sum)

"$OPERATOR" prune --registry "http://127.0.0.1:$port" "${policy[@]}" --dry-run \
  --summary-file "$work/dry-summary.json" >"$work/dry.out" 2>"$work/dry.err" ||
  { cat "$work/dry.err" >&2; fail "the dry run failed"; }
[[ $(json_field "$work/dry.out" dryRun) == true ]] || fail "dry run summary: $(cat "$work/dry.out")"
[[ $(json_field "$work/dry.out" manifestsDeleted) == 0 ]] || fail "dry run deleted: $(cat "$work/dry.out")"
cmp -s "$work/dry.out" "$work/dry-summary.json" || fail "--summary-file differs from stdout"
grep -q "team/app: delete sha256:" "$work/dry.err" || fail "the dry run printed no plan: $(cat "$work/dry.err")"
tag_state | diff -u "$work/before.txt" - >&2 || fail "the dry run changed the tags"
[[ $(cd "$work/main/storage" && find . | sort | sha256sum) == "$storage_before" ]] ||
  fail "the dry run changed the registry's storage"
echo "PASS: --dry-run printed the plan and left the registry untouched"

"$OPERATOR" prune --registry "http://127.0.0.1:$port" "${policy[@]}" >"$work/run.out" 2>"$work/run.err" ||
  { cat "$work/run.err" >&2; fail "prune failed"; }
cat "$work/run.err" >&2
[[ $(tail -n 1 "$work/run.out") == "$(tail -n 1 "$work/run.out" | python3 -c 'import json,sys; print(json.dumps(json.loads(sys.stdin.read()), separators=(",", ":")))')" ]] ||
  fail "the summary is not one compact JSON line: $(cat "$work/run.out")"
[[ $(json_field "$work/run.out" repositories) == 4 ]] || fail "summary: $(cat "$work/run.out")"
[[ $(json_field "$work/run.out" dryRun) == false ]] || fail "summary: $(cat "$work/run.out")"
# team/app: v3, v2 and v1 (with old-alias); team/lib: b and a; multi: v1 and its two children.
[[ $(json_field "$work/run.out" manifestsDeleted) == 8 ]] || fail "summary: $(cat "$work/run.out")"
expected_tags=$(python3 - "$work/layouts.json" <<'PY'
import json, sys
tags = json.load(open(sys.argv[1]))["tags"]
keep = ["team/app:v5", "team/app:v4", "team/app:stable", "team/lib:e", "team/lib:d", "team/lib:c",
        "multi:v3", "multi:v2", "multi:v2-amd64", "solo:only"]
for tag in sorted(keep): print(tag, tags[tag])
PY
)
diff -u <(echo "$expected_tags") <(tag_state) >&2 || fail "the tags left are not the policy's"
# Every deleted digest is gone, the kept index's children are not.
for gone in team/app:v3 team/app:v2 team/app:v1 team/lib:b team/lib:a multi:v1; do
  [[ $(manifest_status "${gone%%:*}" "$(digest_of "$gone")") == 404 ]] || fail "$gone's manifest is still there"
done
python3 - "$work/layouts.json" >"$work/children.txt" <<'PY'
import json, sys
layouts = json.load(open(sys.argv[1]))
for tag in ("multi:v1", "multi:v2"):
    for child in layouts["refs"][layouts["tags"][tag]]: print(tag, child)
PY
while read -r tag child; do
  want=200
  [[ $tag == multi:v1 ]] && want=404
  [[ $(manifest_status multi "$child") == "$want" ]] || fail "child $child of $tag: not $want"
done <"$work/children.txt"
# bytesFreeable: the blobs (manifests, configs, layers) only the deleted manifests reference.
expected_bytes=$(python3 - "$work/layouts.json" <<'PY'
import json, sys
layouts = json.load(open(sys.argv[1]))
sizes, refs, tags = layouts["sizes"], layouts["refs"], layouts["tags"]
def closure(digests):
    out = set()
    while digests:
        d = digests.pop()
        if d in out: continue
        out.add(d)
        digests.extend(refs.get(d, []))
    return out
gone = closure([tags[t] for t in ("team/app:v3", "team/app:v2", "team/app:v1", "team/lib:b", "team/lib:a", "multi:v1")])
kept = closure([d for t, d in tags.items() if tags[t] not in gone])
print(sum(sizes[d] for d in gone - kept))
PY
)
[[ $(json_field "$work/run.out" bytesFreeable) == "$expected_bytes" ]] ||
  fail "bytesFreeable $(json_field "$work/run.out" bytesFreeable), want $expected_bytes"
[[ $(json_field "$work/dry.out" bytesFreeable) == "$expected_bytes" ]] || fail "the dry run's bytesFreeable differs"
# A second run finds nothing more to delete.
"$OPERATOR" prune --registry "http://127.0.0.1:$port" "${policy[@]}" >"$work/again.out" 2>/dev/null ||
  fail "the second prune failed"
[[ $(json_field "$work/again.out" manifestsDeleted) == 0 ]] || fail "second run: $(cat "$work/again.out")"
echo "PASS: prune deleted exactly the 8 manifests past the policy ($expected_bytes bytes freeable)"

# The other registries hold team/lib alone, whose b and a are past the policy: enough to see
# each exit code, without pushing everything again.
# 2. Deletion disabled: exit 5, nothing deleted.
serve nodelete false
push_all team/lib
set +e
"$OPERATOR" prune --registry "http://127.0.0.1:$port" "${policy[@]}" >"$work/nodelete.out" 2>"$work/nodelete.err"
status=$?
set -e
[[ $status == 5 ]] || { cat "$work/nodelete.err" >&2; fail "deletes disabled: exit $status, want 5"; }
grep -q "405" "$work/nodelete.err" || fail "the 405 is not reported: $(cat "$work/nodelete.err")"
[[ $(json_field "$work/nodelete.out" manifestsDeleted) == 0 ]] || fail "summary: $(cat "$work/nodelete.out")"
echo "PASS: a registry without storage.delete.enabled gives exit 5"

# 3. Nobody listening: exit 3.
set +e
"$OPERATOR" prune --registry "http://127.0.0.1:$(free_port)" "${policy[@]}" >/dev/null 2>"$work/down.err"
status=$?
set -e
[[ $status == 3 ]] || { cat "$work/down.err" >&2; fail "unreachable registry: exit $status, want 3"; }
echo "PASS: an unreachable registry gives exit 3"

# 4. htpasswd: exit 4 without credentials, success with them.
password="pw-$RANDOM-secret"
make_htpasswd pruner "$password" "$work/htpasswd"
serve auth true "auth:
  htpasswd: {realm: prune-test, path: $work/htpasswd}"
push_all team/lib --dest-creds "pruner:$password"
set +e
"$OPERATOR" prune --registry "http://127.0.0.1:$port" "${policy[@]}" >/dev/null 2>"$work/noauth.err"
status=$?
set -e
[[ $status == 4 ]] || { cat "$work/noauth.err" >&2; fail "no credentials: exit $status, want 4"; }
printf '%s\n' "$password" >"$work/password"
"$OPERATOR" prune --registry "http://127.0.0.1:$port" "${policy[@]}" --username pruner \
  --password-file "$work/password" >"$work/auth.out" 2>"$work/auth.err" ||
  { cat "$work/auth.err" >&2; fail "prune with credentials failed"; }
[[ $(json_field "$work/auth.out" manifestsDeleted) == 2 ]] || fail "with credentials: $(cat "$work/auth.out")"
printf 'wrong\n' >"$work/wrong"
set +e
"$OPERATOR" prune --registry "http://127.0.0.1:$port" "${policy[@]}" --username pruner \
  --password-file "$work/wrong" >/dev/null 2>>"$work/noauth.err"
status=$?
set -e
[[ $status == 4 ]] || fail "a wrong password: exit $status, want 4"
! grep -q "$password" "$work/noauth.err" "$work/auth.err" || fail "the password reached the output"
echo "PASS: htpasswd: exit 4 without or with wrong credentials, pruned with --username/--password-file"

# 5. TLS with a self-signed certificate for 127.0.0.1, trusted through --ca-file only.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null ||
  fail "openssl could not make a certificate"
scheme=https serve tls true "  tls: {certificate: $work/tls.crt, key: $work/tls.key}"
push_all team/lib
set +e
"$OPERATOR" prune --registry "https://127.0.0.1:$port" "${policy[@]}" --dry-run >/dev/null 2>"$work/untrusted.err"
status=$?
set -e
[[ $status == 3 ]] || { cat "$work/untrusted.err" >&2; fail "an untrusted certificate: exit $status, want 3"; }
"$OPERATOR" prune --registry "https://127.0.0.1:$port" "${policy[@]}" --ca-file "$work/tls.crt" \
  >"$work/tls.out" 2>"$work/tls.err" || { cat "$work/tls.err" >&2; fail "prune over TLS failed"; }
[[ $(json_field "$work/tls.out" manifestsDeleted) == 2 ]] || fail "over TLS: $(cat "$work/tls.out")"
echo "PASS: TLS: refused without the CA (exit 3), pruned with --ca-file"

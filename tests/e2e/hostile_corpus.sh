#!/usr/bin/env bash
# A corpus of hostile RegistryConfigs and config bundles (testdata/hostile_corpus.json) applied
# with kubectl next to a healthy registry. Each case is either refused by the schema (kubectl
# apply fails and its error says why) or accepted and reported Degraded=True with the expected
# reason and a message naming the problem. Afterwards the healthy registry is still Available, a
# hand edit of its Service is still repaired, no corpus CR runs registry pods, and the operator
# is still running.
#
# A corpus entry is {"name", "why", "spec", "expect", "match"}, optionally with
#   cr_name           the RegistryConfig's name when it is not the case name (the name cases)
#   secrets           {"<Secret>": {"<key>": "<value>"}}: created before any CR is applied
#   services          ["<Service>"]: ClusterIP Services created before any CR is applied
#   bundle_generator  alias_bomb | deep_nesting:<depth> | big_list:<bytes>: content made here for
#                     key config.yml of the Secret that spec.configBundleSecret names
# A null spec leaves spec out. expect is "refused" (kubectl's error contains match),
# "Degraded:<Reason>[|<Reason>...]" (the condition's message contains match) or
# "refused-or-Degraded" (either, with any reason).
source "$(dirname "$0")/lib.sh"
CORPUS="$SOURCE_ROOT/tests/e2e/testdata/hostile_corpus.json"
# How long the Degraded conditions may take, all together, once the last CR is applied.
CORPUS_WAIT_SECONDS=${CORPUS_WAIT_SECONDS:-120}
DIR="$WORK/corpus"
mkdir -p "$DIR"

cat >"$DIR/corpus.py" <<'PY'
"""Files of the hostile corpus, and its outcomes (hostile_corpus.sh).

corpus.py prepare|poll|report CORPUS DIR
  prepare  checks the corpus, writes DIR/cr/<case>.json, DIR/secrets/<Secret>/<key> and prints
           the plan: "secret<TAB>NAME<TAB>DIR", "service<TAB>NAME", "cr<TAB>CASE<TAB>FILE"
  poll     exits 0 once every applied case that may be Degraded is as expected (reads
           DIR/applied.tsv, DIR/<case>.err and DIR/regcfg.json)
  report   prints each mismatching case to stderr, the summary to stdout; exits 1 on a mismatch
"""
import json
import os
import re
import sys
from collections import Counter

mode, corpus_path, work = sys.argv[1:4]
with open(corpus_path, encoding="utf-8") as corpus_file:
    cases = json.load(corpus_file)

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
EXPECT = re.compile(r"^(refused|refused-or-Degraded|Degraded:[A-Za-z]+(\|[A-Za-z]+)*)$")
# Secrets the operator makes for a RegistryConfig N: N-private, N-config, N-tls, N-ca-key, with
# auth Htpasswd N-admin, N-htpasswd, N-jobs-credentials, and with auth Kubernetes N-token-signing.
OWN_SECRETS = ("-private", "-config", "-tls", "-ca-key", "-admin", "-htpasswd", "-jobs-credentials",
               "-token-signing")


def cr_name(case):
    return case.get("cr_name", case["name"])


def generated_bundle(generator):
    kind, _, argument = generator.partition(":")
    if kind == "alias_bomb":  # billion laughs: 9 levels of 10 aliases each
        lines = ["l0: &l0 [" + ", ".join(['"lol"'] * 10) + "]"]
        lines += ["l%d: &l%d [%s]" % (i, i, ", ".join(["*l%d" % (i - 1)] * 10)) for i in range(1, 9)]
        return "\n".join(lines) + "\n"
    if kind == "deep_nesting":
        depth = int(argument)
        return "log: " + "[" * depth + "]" * depth + "\n"
    if kind == "big_list":  # long strings: few nodes, many bytes
        line = "- " + "y" * 1020 + "\n"
        return line * (int(argument) // len(line))
    sys.exit("corpus: unknown bundle_generator %r" % generator)


def secrets_of(case):
    secrets = {name: dict(keys) for name, keys in case.get("secrets", {}).items()}
    if "bundle_generator" in case:
        target = case["spec"]["configBundleSecret"]
        secrets.setdefault(target, {})["config.yml"] = generated_bundle(case["bundle_generator"])
    return secrets


def lint():
    problems, names, crs, secret_owner, service_owner = [], set(), set(), {}, {}
    for case in cases:
        name = case.get("name", "")
        if not DNS_LABEL.match(name) or len(name) > 40:
            problems.append("%r is not a DNS label of at most 40 characters" % name)
        for seen, value, what in ((names, name, "case name"), (crs, cr_name(case), "cr_name")):
            if value in seen:
                problems.append("%s %r is used twice" % (what, value))
            seen.add(value)
        if not EXPECT.match(case.get("expect", "")):
            problems.append("%s: expect %r is not understood" % (name, case.get("expect")))
        if not isinstance(case.get("match"), str) or not isinstance(case.get("why"), str):
            problems.append("%s: match and why must be strings" % name)
        for secret, keys in secrets_of(case).items():
            if secret in secret_owner:
                problems.append("Secret %s belongs to %s and %s" % (secret, secret_owner[secret], name))
            secret_owner[secret] = name
            if not all(isinstance(value, str) for value in keys.values()):
                problems.append("%s: Secret %s has a value that is not a string" % (name, secret))
        for service in case.get("services", []):
            service_owner[service] = name
    # A case may collide with its own RegistryConfig (that is the point of the conflict cases),
    # never with another's, nor with the healthy sample's.
    owners = {cr_name(case): case["name"] for case in cases}
    owners["image-registry"] = "the healthy sample"
    for cr, owner in owners.items():
        for suffix in OWN_SECRETS:
            if secret_owner.get(cr + suffix, owner) != owner:
                problems.append("Secret %s%s of %s collides with %s" % (cr, suffix, secret_owner[cr + suffix], owner))
        if service_owner.get(cr, owner) != owner:
            problems.append("Service %s of %s collides with %s" % (cr, service_owner[cr], owner))
    if len(cases) < 50:
        problems.append("only %d cases; the corpus promises at least 50" % len(cases))
    if problems:
        sys.exit("corpus: " + "\ncorpus: ".join(problems))


def prepare():
    lint()
    os.makedirs(os.path.join(work, "cr"), exist_ok=True)
    plan = []
    for case in cases:
        for secret, keys in secrets_of(case).items():
            directory = os.path.join(work, "secrets", secret)
            os.makedirs(directory, exist_ok=True)
            for key, value in keys.items():
                with open(os.path.join(directory, key), "w", encoding="utf-8") as out:
                    out.write(value)
            plan.append("secret\t%s\t%s" % (secret, directory))
        plan += ["service\t%s" % service for service in case.get("services", [])]
    for case in cases:
        manifest = {"apiVersion": "imageregistry.io/v1alpha1", "kind": "RegistryConfig",
                    "metadata": {"name": cr_name(case)}}
        if case["spec"] is not None:
            manifest["spec"] = case["spec"]
        path = os.path.join(work, "cr", case["name"] + ".json")
        with open(path, "w", encoding="ascii") as out:
            json.dump(manifest, out)  # ASCII with \u escapes: control characters survive as is
        plan.append("cr\t%s\t%s" % (case["name"], path))
    print("\n".join(plan))


def degraded_condition(item):
    for condition in ((item or {}).get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Degraded":
            return condition
    return None


def judge(case, applied, item):
    """(as expected, actual outcome, what happened)."""
    expect, match = case["expect"], case["match"]
    if applied == "refused":
        with open(os.path.join(work, case["name"] + ".err"), encoding="utf-8", errors="replace") as err_file:
            err = err_file.read()
        ok = expect in ("refused", "refused-or-Degraded") and match in err
        return ok, "refused", "refused: " + " ".join(err.split())[:400]
    if applied != "applied":
        return False, "not applied", "never applied"
    condition = degraded_condition(item)
    if condition is None:
        what = "applied, but the CR is gone" if item is None else "applied; no Degraded condition yet"
        return False, "no Degraded condition", what
    status, reason = condition.get("status", ""), condition.get("reason", "")
    message = condition.get("message", "")
    if expect == "refused":
        ok = False
    elif expect == "refused-or-Degraded":
        ok = status == "True" and match in message
    else:
        ok = status == "True" and reason in expect.split(":", 1)[1].split("|") and match in message
    actual = "Degraded:" + reason if status == "True" else "Degraded=%s (%s)" % (status, reason)
    return ok, actual, "applied; Degraded=%s reason %s: %s" % (status, reason, message[:400])


def judged():
    with open(os.path.join(work, "applied.tsv"), encoding="utf-8") as applied_file:
        applied = dict(line.rstrip("\n").split("\t") for line in applied_file if line.strip())
    with open(os.path.join(work, "regcfg.json"), encoding="utf-8") as regcfg_file:
        items = json.load(regcfg_file).get("items", [])
    by_name = {item["metadata"]["name"]: item for item in items}
    for case in cases:
        yield (case, applied.get(case["name"])) + judge(case, applied.get(case["name"]), by_name.get(cr_name(case)))


def poll():
    waiting = [case["name"] for case, applied, ok, _, _ in judged()
               if applied == "applied" and case["expect"] != "refused" and not ok]
    sys.exit(1 if waiting else 0)


def report():
    outcomes = Counter()
    mismatches = 0
    for case, _, ok, actual, what in judged():
        outcomes[actual] += 1
        if not ok:
            mismatches += 1
            expected = case["expect"] + (" with %r" % case["match"] if case["match"] else "")
            print("MISMATCH %s (%s): expected %s; got %s" % (case["name"], case["why"], expected, what),
                  file=sys.stderr)
    refused = outcomes.pop("refused", 0)
    degraded = {k: v for k, v in outcomes.items() if k.startswith("Degraded:")}
    other = {k: v for k, v in outcomes.items() if not k.startswith("Degraded:")}
    reasons = ", ".join("%s %d" % (k.split(":", 1)[1], v) for k, v in sorted(degraded.items()))
    summary = "%d cases: %d refused by the schema, %d Degraded with reasons (%s)" % (
        len(cases), refused, sum(degraded.values()), reasons)
    if other:
        summary += ", otherwise: " + ", ".join("%s %d" % item for item in sorted(other.items()))
    summary += "; %d not as expected" % mismatches
    print(summary)
    sys.exit(1 if mismatches else 0)


{"prepare": prepare, "poll": poll, "report": report}[mode]()
PY
corpus() { python3 "$DIR/corpus.py" "$1" "$CORPUS" "$DIR"; }

start_operator
apply_sample_and_wait

# The corpus's Secrets and Services first, so that every CR sees its inputs from the start.
corpus prepare >"$DIR/plan.tsv"
while IFS=$'\t' read -r kind name path; do
  case $kind in
    secret) k create secret generic "$name" --from-file="$path" </dev/null >/dev/null ;;
    service) k create service clusterip "$name" --tcp=80:8080 </dev/null >/dev/null ;;
  esac
done <"$DIR/plan.tsv"

# Then every CR, with the API server's strict field validation (kubectl's default, spelled out):
# fields the schema would prune are refused, not dropped.
: >"$DIR/applied.tsv"
started=$SECONDS
while IFS=$'\t' read -r kind name path; do
  [[ $kind == cr ]] || continue
  if k apply --validate=strict -f "$path" </dev/null >/dev/null 2>"$DIR/$name.err"; then
    printf '%s\tapplied\n' "$name" >>"$DIR/applied.tsv"
  else
    printf '%s\trefused\n' "$name" >>"$DIR/applied.tsv"
  fi
done <"$DIR/plan.tsv"
log "applied the corpus in $((SECONDS - started))s: $(grep -c $'\tapplied$' "$DIR/applied.tsv") accepted, $(grep -c $'\trefused$' "$DIR/applied.tsv") refused"

# All accepted CRs are watched at once: one list per round until each is as expected.
deadline=$((SECONDS + CORPUS_WAIT_SECONDS))
until k get regcfg -o json >"$DIR/regcfg.json" 2>/dev/null && corpus poll; do
  ((SECONDS < deadline)) || break
  sleep 2
done
k get regcfg -o json >"$DIR/regcfg.json" || fail "cannot list the RegistryConfigs"
mismatched=0
summary=$(corpus report) || mismatched=1
log "$summary"

# The healthy tenant kept converging, and nothing of the corpus runs registry pods.
kill -0 "$operator_pid" 2>/dev/null || fail "the operator died while reading the corpus"
condition_is image-registry Available True || fail "the healthy registry is no longer Available"
port() { [[ $(jsonpath svc image-registry '{.spec.ports[0].port}') == "$1" ]]; }
k patch svc image-registry --type=json -p '[{"op":"replace","path":"/spec/ports/0/port","value":5999}]' >/dev/null
wait_for "the healthy registry's Service repaired" 60 port 5000
stray=$(k get pods -l app.kubernetes.io/component=registry \
  -o 'jsonpath={range .items[*]}{.metadata.labels.app\.kubernetes\.io/instance}{"\n"}{end}' |
  grep -vx image-registry | sort -u | tr '\n' ' ' || true)
[[ -z $stray ]] || fail "registry pods run for corpus CRs: $stray"
kill -0 "$operator_pid" 2>/dev/null || fail "the operator died"
((mismatched == 0)) || fail "corpus cases not as expected (each listed above as MISMATCH)"
log "PASS"

#!/usr/bin/env bash
# One operator, two tenants. Tenant B's bad input (a name taken by its own Service, a config
# bundle that aliases one long string ten thousand times) gets a Degraded condition naming the
# problem and touches nothing of B's; tenant A keeps converging. A Degraded CR still holds what
# it can: with A's bundle broken, then missing, a hand-edited Service is repaired while the
# configuration and the pods keep their last good state.
source "$(dirname "$0")/lib.sh"
extra_namespace NS_B b
kb() { kubectl -n "$NS_B" "$@"; }
start_operator --namespace "$NS_B"
apply_sample_and_wait

# --- Tenant B: a RegistryConfig named like a Service B already has.
kb create service clusterip victim --tcp=80:8080 >/dev/null
selector_before=$(kb get svc victim -o 'jsonpath={.spec.selector}')
kb apply -f - >/dev/null <<EOF
apiVersion: imageregistry.io/v1alpha1
kind: RegistryConfig
metadata: {name: victim}
spec: {storage: {emptyDir: {}}}
EOF
# degraded_b_is NAME REASON: tenant B's CR NAME is Degraded for REASON.
degraded_b_is() {
  [[ $(kb get regcfg "$1" -o 'jsonpath={.status.conditions[?(@.type=="Degraded")].reason}' 2>/dev/null) == "$2" ]]
}
degraded_is() { [[ $(condition image-registry Degraded) == True && $(condition_reason image-registry Degraded) == "$1" ]]; }
wait_for "victim Degraded with ObjectConflict" 60 degraded_b_is victim ObjectConflict
[[ $(kb get svc victim -o 'jsonpath={.spec.selector}') == "$selector_before" ]] ||
  fail "the user's Service had its selector rewritten"
[[ -z $(kb get svc victim -o 'jsonpath={.metadata.ownerReferences}') ]] ||
  fail "the user's Service was given an ownerReference (deleting the CR would delete it)"
kb get deploy victim >/dev/null 2>&1 && fail "pods were started behind someone else's Service"
kb get secret victim-config >/dev/null 2>&1 || fail "the objects without a conflict were not made"
kb get regcfg victim -o 'jsonpath={.status.conditions[?(@.type=="Degraded")].message}' |
  grep -q "Service victim already exists" || fail "the condition does not name the Service"

# --- Tenant B: a bundle that would expand to 5 GB.
python3 - "$WORK/bomb.yml" <<'PY'
import sys
with open(sys.argv[1], "w") as out:
    out.write("a: &big " + "x" * (500 * 1024) + "\nb: [" + ", ".join(["*big"] * 10000) + "]\n")
PY
kb create secret generic bomb --from-file=config.yml="$WORK/bomb.yml" >/dev/null
kb apply -f - >/dev/null <<EOF
apiVersion: imageregistry.io/v1alpha1
kind: RegistryConfig
metadata: {name: bomb}
spec: {storage: {emptyDir: {}}, configBundleSecret: bomb}
EOF
wait_for "bomb Degraded with ConfigBundleInvalid" 60 degraded_b_is bomb ConfigBundleInvalid
kill -0 "$operator_pid" 2>/dev/null || fail "the operator died"
rss_kib=$(awk '/^VmHWM/ {print $2}' "/proc/$operator_pid/status")
log "operator peak RSS after the bundle: $((rss_kib / 1024)) MiB"

# --- Tenant A keeps converging: a hand edit is repaired.
port() { [[ $(jsonpath svc image-registry '{.spec.ports[0].port}') == "$1" ]]; }
edit_port() { k patch svc image-registry --type=json -p '[{"op":"replace","path":"/spec/ports/0/port","value":5999}]' >/dev/null; }
edit_port
wait_for "tenant A's Service repaired" 60 port 5000

# --- Tenant A: its own bundle broken, then missing. The Service is still held; the pods stay.
hash0=$(jsonpath regcfg image-registry '{.status.configHash}')
sets=$(replicaset_count image-registry)
deploy_generation=$(jsonpath deploy image-registry '{.metadata.generation}')
printf 'log: [\n' >"$WORK/broken.yml"
k create secret generic bundle --from-file=config.yml="$WORK/broken.yml" >/dev/null
k patch regcfg/image-registry --type=merge -p '{"spec":{"configBundleSecret":"bundle"}}' >/dev/null
wait_for "Degraded with ConfigBundleInvalid" 60 degraded_is ConfigBundleInvalid
edit_port
wait_for "the Service repaired while the bundle is broken" 60 port 5000
k delete secret bundle >/dev/null
wait_for "Degraded with ConfigBundleUnavailable" 60 degraded_is ConfigBundleUnavailable
edit_port
wait_for "the Service repaired while the bundle is missing" 60 port 5000
[[ $(jsonpath regcfg image-registry '{.status.configHash}') == "$hash0" ]] ||
  fail "status.configHash moved while the bundle was unusable"
[[ $(replicaset_count image-registry) == "$sets" ]] || fail "the pods were rolled onto a broken configuration"
[[ $(jsonpath deploy image-registry '{.metadata.generation}') == "$deploy_generation" ]] ||
  fail "the Deployment changed while the bundle was unusable"
condition_is image-registry Available True || fail "the registry stopped being Available"

# Fixed: the bundle rolls out and the CR is healthy again.
printf 'log:\n  fields:\n    tenant: a\n' >"$WORK/good.yml"
k create secret generic bundle --from-file=config.yml="$WORK/good.yml" >/dev/null
wait_for "Degraded False again" 60 condition_is image-registry Degraded False
[[ $(jsonpath regcfg image-registry '{.status.configHash}') != "$hash0" ]] || fail "the fixed bundle was not rolled out"

# --- Tenant B deletes the CR: its own objects go, the user's Service stays.
kb delete regcfg victim --wait=true >/dev/null
gone_b() { ! kb get "$1" "$2" >/dev/null 2>&1; }
wait_for "victim's own objects garbage-collected" 60 gone_b secret victim-config
kb get svc victim >/dev/null || fail "deleting the CR deleted the user's Service"
kill -0 "$operator_pid" 2>/dev/null || fail "the operator died"
log "PASS"

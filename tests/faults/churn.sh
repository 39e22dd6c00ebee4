#!/usr/bin/env bash
# Deletions under way: RegistryConfigs deleted in the middle of a change to all of them, and the
# config bundle Secret that all of them name deleted and created again. The survivors converge;
# the deleted ones leave no object behind; the pods roll only for a changed bundle.
source "$(dirname "$0")/lib.sh"
printf 'log:\n  fields:\n    churn: one\n' >"$WORK/config.yml"
k create secret generic bundle --from-file=config.yml="$WORK/config.yml" >/dev/null
create_registries "  configBundleSecret: bundle"
start_operator
wait_converged 300

# A change to every CR, and a fifth of them deleted while it is being made.
create_registries "  configBundleSecret: bundle
  defaultRoute: true"
wait_for "the first Ingress" 60 some_ingress
deleted=$((COUNT / 5))
names=()
for ((i = 0; i < deleted; i++)); do names+=("r-$i"); done
k delete regcfg "${names[@]}" --wait=false >/dev/null
log "deleted $deleted RegistryConfigs with $(ingress_count)/$COUNT Ingresses made"
wait_converged 300 true
[[ $(k get regcfg -o name | wc -l) == $((COUNT - deleted)) ]] || fail "the wrong number of RegistryConfigs is left"

# The Secret they all name goes: every CR is Degraded and keeps its pods; it comes back
# unchanged: every CR recovers with no rollout.
k delete secret bundle >/dev/null
degraded_count() {
  k get regcfg -o 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Degraded")].reason}{"\n"}{end}' |
    grep -c '^ConfigBundleUnavailable$' || true
}
all_degraded() { (($(degraded_count) == COUNT - deleted)); }
wait_for "every RegistryConfig Degraded with ConfigBundleUnavailable" 120 all_degraded
k create secret generic bundle --from-file=config.yml="$WORK/config.yml" >/dev/null
wait_converged 300 true
operator_alive || fail "the operator restarted"
log "PASS"

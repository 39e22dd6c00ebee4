#!/usr/bin/env bash
# spec.configBundleSecret: the user's config.yml is merged into N-config, the config hash
# changes and a new ReplicaSet rolls out; editing only the Secret rolls again; re-applying an
# unchanged CR rolls nothing.
source "$(dirname "$0")/lib.sh"
start_operator
apply_sample_and_wait
hash0=$(jsonpath regcfg image-registry '{.status.configHash}')
[[ $(replicaset_count image-registry) == 1 ]] || fail "expected one ReplicaSet at first"

rendered_config() { k get secret image-registry-config -o 'jsonpath={.data.config\.yml}' | base64 -d; }
hash_differs() { [[ $(jsonpath regcfg image-registry '{.status.configHash}') != "$1" ]]; }
rolled_out() {
  [[ $(jsonpath deploy image-registry '{.status.updatedReplicas}') == 1 &&
     $(jsonpath deploy image-registry '{.status.readyReplicas}') == 1 &&
     $(condition image-registry Progressing) == False ]]
}

printf 'log:\n  fields:\n    bundle: first\nhttp:\n  headers:\n    X-Bundle: [one]\n' >"$WORK/config.yml"
k create secret generic registry-bundle --from-file=config.yml="$WORK/config.yml" >/dev/null
k patch regcfg/image-registry --type=merge -p '{"spec":{"configBundleSecret":"registry-bundle"}}' >/dev/null
wait_for "config hash to change" 60 hash_differs "$hash0"
rendered_config | grep -q "bundle: first" || fail "the bundle's setting is not in image-registry-config"
rendered_config | grep -q "X-Content-Type-Options" || fail "the merge lost the operator's own headers"
wait_for "a second ReplicaSet" 60 bash -c "[[ \$(\"$K8S_BIN/kubectl\" -n $NS get rs -l app.kubernetes.io/instance=image-registry -o name | wc -l) -ge 2 ]]"
wait_for "rollout of the bundle" 120 rolled_out
hash1=$(jsonpath regcfg image-registry '{.status.configHash}')
[[ $(jsonpath deploy image-registry '{.spec.template.metadata.annotations.imageregistry\.io/config-hash}') == "$hash1" ]] ||
  fail "the pod template does not carry the new hash"

printf 'log:\n  fields:\n    bundle: second\n' >"$WORK/config.yml"
k create secret generic registry-bundle --from-file=config.yml="$WORK/config.yml" --dry-run=client -o yaml |
  k apply -f - >/dev/null
wait_for "config hash to change after editing only the Secret" 60 hash_differs "$hash1"
rendered_config | grep -q "bundle: second" || fail "the edited bundle did not reach image-registry-config"
wait_for "a third ReplicaSet" 60 bash -c "[[ \$(\"$K8S_BIN/kubectl\" -n $NS get rs -l app.kubernetes.io/instance=image-registry -o name | wc -l) -ge 3 ]]"
wait_for "rollout of the edited bundle" 120 rolled_out

hash2=$(jsonpath regcfg image-registry '{.status.configHash}')
sets=$(replicaset_count image-registry)
deploy_generation=$(jsonpath deploy image-registry '{.metadata.generation}')
count=$(reconcile_count)
# Re-apply the unchanged sample (kubectl keeps configBundleSecret, which the sample does not
# mention) and the unchanged patch: the CR's generation must not move, nor the pods.
cr_generation=$(jsonpath regcfg image-registry '{.metadata.generation}')
k apply -f "$SOURCE_ROOT/crds/samples/registryconfig.yaml" >/dev/null
k patch regcfg/image-registry --type=merge -p '{"spec":{"configBundleSecret":"registry-bundle"}}' >/dev/null
[[ $(jsonpath regcfg image-registry '{.metadata.generation}') == "$cr_generation" ]] ||
  fail "re-applying changed the CR's spec"
k annotate regcfg image-registry e2e/reapplied="$RANDOM" --overwrite >/dev/null
wait_for "a reconcile after re-applying" 30 reconciled_since "$count"
[[ $(jsonpath regcfg image-registry '{.status.configHash}') == "$hash2" ]] || fail "re-applying changed the hash"
[[ $(replicaset_count image-registry) == "$sets" ]] || fail "re-applying an unchanged CR rolled the pods"
[[ $(jsonpath deploy image-registry '{.metadata.generation}') == "$deploy_generation" ]] ||
  fail "re-applying an unchanged CR changed the Deployment"
log "PASS"

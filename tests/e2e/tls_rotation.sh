#!/usr/bin/env bash
# TLS mode Auto with short lifetimes (the hidden REGISTRY_OPERATOR_TLS_* variables): a CA of 2
# minutes and serving certificates of 1 minute. Without any other event the operator, counting
# from the first reconcile (the unit test "TLS with short lifetimes (the e2e policy)" pins these
# moments on a fixed clock):
#   ~38 s  renews the serving certificate with the SAME CA (the pods roll);
#   ~76 s  rotates the CA: the new CA goes to next-ca.crt and N-ca holds the new and the old CA,
#          while the serving certificate stays signed by the OLD CA (renewed by it if due);
#   ~98 s  switches: the new CA becomes ca.crt, the old one previous-ca.crt, and the serving
#          certificate is signed by the new CA;
#   ~120 s drops the old CA, expired, from N-ca-key and N-ca.
# A client that kept only the bundle published at the rotation verifies the registry throughout.
# The CA keys never reach the log.
source "$(dirname "$0")/lib.sh"
export REGISTRY_OPERATOR_TLS_CA_VALIDITY=2m REGISTRY_OPERATOR_TLS_CERT_VALIDITY=1m
start_operator
# Not waiting for Available: the clock starts with the first reconcile, and the checks below
# need the state before the first renewal.
k apply -f "$SOURCE_ROOT/crds/samples/registryconfig.yaml" >/dev/null

secret_value() { k get secret "$1" -o "jsonpath={.data.${2//./\\.}}" 2>/dev/null | base64 -d; }
bundle() { k get configmap image-registry-ca -o 'jsonpath={.data.ca\.crt}' 2>/dev/null; }
bundle_size() { bundle | grep -c -- '-----BEGIN CERTIFICATE-----' || true; }
# verifies CA_FILE CERT_FILE: the certificate chains to the CA(s) for the Service's name.
verifies() {
  openssl verify -CAfile "$1" -verify_hostname "image-registry.$NS.svc" "$2" >/dev/null 2>&1
}
serving_cert() { secret_value image-registry-tls tls.crt >"$WORK/$1.pem"; }
has_hash() { [[ -n $(jsonpath regcfg image-registry '{.status.configHash}') ]]; }
wait_for "the first reconcile" 30 has_hash

ca0=$(secret_value image-registry-ca-key ca.crt)
cert0=$(secret_value image-registry-tls tls.crt)
[[ -n $ca0 && -n $cert0 ]] || fail "no CA in image-registry-ca-key or no certificate in image-registry-tls"
[[ -n $(secret_value image-registry-ca-key ca.key) ]] || fail "image-registry-ca-key holds no CA key"
[[ $(jsonpath secret image-registry-ca-key '{.metadata.ownerReferences[0].kind}') == RegistryConfig ]] ||
  fail "image-registry-ca-key is not owned by the RegistryConfig"
[[ $(jsonpath secret image-registry-ca-key '{.metadata.labels.app\.kubernetes\.io/managed-by}') == registry-operator ]] ||
  fail "image-registry-ca-key is not labelled like the other objects"
[[ $(secret_value image-registry-tls ca.crt) == "$ca0" ]] || fail "image-registry-tls names another CA"
[[ $(bundle) == "$ca0" ]] || fail "image-registry-ca does not hold exactly the CA"
printf '%s\n' "$ca0" >"$WORK/ca0.pem"
printf '%s\n' "$cert0" >"$WORK/cert0.pem"
verifies "$WORK/ca0.pem" "$WORK/cert0.pem" || fail "the first certificate does not verify against the CA"
hash0=$(jsonpath regcfg image-registry '{.status.configHash}')

log "waiting for the serving certificate to be renewed by the same CA"
cert_changed() { [[ $(secret_value image-registry-tls tls.crt) != "$1" ]]; }
wait_for "a renewed serving certificate" 60 cert_changed "$cert0"
serving_cert cert1
# Until the switch (~98 s) every serving certificate is signed by the first CA.
verifies "$WORK/ca0.pem" "$WORK/cert1.pem" || fail "the renewed certificate does not verify against the CA"
[[ $(secret_value image-registry-ca-key ca.crt) == "$ca0" ]] || fail "renewing the certificate changed the CA"
hash_differs() { [[ $(jsonpath regcfg image-registry '{.status.configHash}') != "$1" ]]; }
wait_for "the config hash to follow the new certificate" 30 hash_differs "$hash0"

log "waiting for the CA rotation (the next CA in the bundle, the old CA still signing)"
rotated() { [[ -n $(secret_value image-registry-ca-key next-ca.crt) && $(bundle_size) == 2 ]]; }
wait_for "a next CA and a bundle of two CAs" 60 rotated
ca1=$(secret_value image-registry-ca-key next-ca.crt)
[[ $ca1 != "$ca0" ]] || fail "the next CA is the first CA"
[[ -n $(secret_value image-registry-ca-key next-ca.key) ]] || fail "image-registry-ca-key holds no key for the next CA"
[[ $(secret_value image-registry-ca-key ca.crt) == "$ca0" ]] ||
  fail "the new CA signs at once (or the overlap, ~22 s, was missed)"
[[ $(bundle) == "$ca1"$'\n'"$ca0" ]] || fail "the bundle is not the new CA then the old CA"
bundle >"$WORK/rotation-bundle.pem"
printf '%s\n' "$ca1" >"$WORK/ca1.pem"
serving_cert overlap
[[ $(secret_value image-registry-tls ca.crt) == "$ca0" ]] || fail "image-registry-tls names the new CA during the overlap"
verifies "$WORK/ca0.pem" "$WORK/overlap.pem" || fail "during the overlap the certificate does not verify against the old CA"
verifies "$WORK/rotation-bundle.pem" "$WORK/overlap.pem" || fail "during the overlap the certificate does not verify against the bundle"
verifies "$WORK/ca1.pem" "$WORK/overlap.pem" && fail "during the overlap the certificate is signed by the new CA"

log "waiting for the switch to the new CA"
switched() { [[ $(secret_value image-registry-ca-key ca.crt) == "$ca1" ]]; }
wait_for "the new CA to sign" 45 switched
[[ $(secret_value image-registry-ca-key previous-ca.crt) == "$ca0" ]] ||
  fail "the previous CA in image-registry-ca-key is not the first CA"
[[ -z $(secret_value image-registry-ca-key next-ca.crt) ]] || fail "next-ca.crt is still there after the switch"
# N-tls is written right after N-ca-key, in the same reconcile.
tls_names_new_ca() { [[ $(secret_value image-registry-tls ca.crt) == "$ca1" ]]; }
wait_for "image-registry-tls signed by the new CA" 15 tls_names_new_ca
serving_cert switched
verifies "$WORK/ca1.pem" "$WORK/switched.pem" || fail "after the switch the certificate does not verify against the new CA"
verifies "$WORK/ca0.pem" "$WORK/switched.pem" && fail "after the switch the certificate is still signed by the old CA"
verifies "$WORK/rotation-bundle.pem" "$WORK/switched.pem" ||
  fail "after the switch the certificate does not verify against the bundle published at the rotation"
[[ $(bundle) == "$ca1"$'\n'"$ca0" ]] || fail "the switch changed the bundle"

log "waiting for the old CA to leave the bundle"
only_new_ca() { [[ $(bundle_size) == 1 && -z $(secret_value image-registry-ca-key previous-ca.crt) ]]; }
wait_for "the old CA to expire and leave the bundle" 45 only_new_ca
[[ $(bundle) == "$ca1" ]] || fail "the bundle does not hold exactly the new CA"
[[ $(secret_value image-registry-ca-key ca.crt) == "$ca1" ]] || fail "the CA changed when the old one expired"
serving_cert final
verifies "$WORK/rotation-bundle.pem" "$WORK/final.pem" ||
  fail "after the old CA expired the certificate does not verify against the bundle published at the rotation"

grep -q "PRIVATE KEY" "$OPERATOR_LOG" && fail "key material in the operator log"
grep -q "TLS RotateCa" "$OPERATOR_LOG" || fail "the rotation was not logged"
grep -q "TLS SwitchCa" "$OPERATOR_LOG" || fail "the switch was not logged"
log "PASS"

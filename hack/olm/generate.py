#!/usr/bin/env python3
"""Writes the OLM bundle (registry+v1) of registry-operator from manifests/ and crds/.

Called by hack/generate-bundle.sh, which holds the package's settings and passes them as
options. manifests/ is read by content (kind and name), never by file name: another tool may
regenerate it under other names. What the bundle says about the operator's rights and its
Deployment is taken from there, so the two cannot drift apart; hack/generate-bundle.sh --check
proves the committed bundle/ is what this writes.
"""
import argparse
import base64
import copy
import glob
import json
import os
import re
import sys

import yaml

# The annotations every registry+v1 bundle carries, in metadata/annotations.yaml and as labels of
# the bundle image (operator-registry and OLM read either).
MEDIATYPE = "registry+v1"

# Console descriptors of RegistryConfig. Each path must exist in the CRD's schema (checked
# below), and every top-level field of spec and status must have one, so a field added to the
# API fails the generation until it is described here. Descriptions come from the schema itself.
SELECT = "urn:alm:descriptor:com.tectonic.ui:select:"
UI = "urn:alm:descriptor:com.tectonic.ui:"
KIND = "urn:alm:descriptor:io.kubernetes:"
SPEC_DESCRIPTORS = [
    ("managementState", "Management state", [SELECT + "Managed", SELECT + "Unmanaged", SELECT + "Removed"]),
    ("storage", "Storage", []),
    ("storage.pvc.claim", "Existing claim", [KIND + "PersistentVolumeClaim"]),
    ("storage.pvc.size", "Claim size", [UI + "text"]),
    ("storage.pvc.storageClassName", "Storage class", [KIND + "StorageClass"]),
    ("storage.pvc.accessModes", "Claim access modes", []),
    ("storage.s3.bucket", "S3 bucket", [UI + "text"]),
    ("storage.s3.region", "S3 region", [UI + "text"]),
    ("storage.s3.regionEndpoint", "S3 endpoint", [UI + "text"]),
    ("storage.s3.credentialsSecret", "S3 credentials Secret", [KIND + "Secret"]),
    ("storage.s3.encrypt", "Encrypt at rest", [UI + "booleanSwitch"]),
    ("storage.s3.virtualHostedStyle", "Virtual-hosted-style addressing", [UI + "booleanSwitch", UI + "advanced"]),
    ("storage.deleteOnRemove", "Delete images on removal", [UI + "booleanSwitch"]),
    ("replicas", "Replicas", [UI + "podCount"]),
    ("rolloutStrategy", "Rollout strategy", [SELECT + "RollingUpdate", SELECT + "Recreate"]),
    ("defaultRoute", "Default route", [UI + "booleanSwitch"]),
    ("routes", "Extra routes", [UI + "advanced"]),
    ("tls", "TLS", []),
    ("tls.mode", "TLS mode", [SELECT + "Auto", SELECT + "Secret", SELECT + "Disabled"]),
    ("tls.secretName", "TLS Secret", [KIND + "Secret"]),
    ("auth", "Authentication", []),
    ("auth.type", "Authentication type", [SELECT + "None", SELECT + "Htpasswd", SELECT + "Kubernetes"]),
    ("auth.htpasswdSecret", "htpasswd Secret", [KIND + "Secret"]),
    ("auth.usersSecret", "Users Secret", [KIND + "Secret"]),
    ("auth.initialAdmin", "First admin's user name", [UI + "text"]),
    ("auth.anonymousPull", "Anonymous pull", [UI + "booleanSwitch"]),
    ("readOnly", "Read-only", [UI + "booleanSwitch"]),
    ("image", "Registry image", [UI + "text", UI + "advanced"]),
    ("logLevel", "Log level", [SELECT + "Normal", SELECT + "Debug", SELECT + "Trace", SELECT + "TraceAll", UI + "advanced"]),
    ("resources", "Resources", [UI + "resourceRequirements", UI + "advanced"]),
    ("nodeSelector", "Node selector", [UI + "nodeSelector", UI + "advanced"]),
    ("tolerations", "Tolerations", [UI + "tolerations", UI + "advanced"]),
    ("affinity", "Affinity", [UI + "advanced"]),
    ("topologySpreadConstraints", "Topology spread constraints", [UI + "advanced"]),
    ("proxy", "Proxy", [UI + "advanced"]),
    ("proxy.http", "HTTP proxy", [UI + "text", UI + "advanced"]),
    ("proxy.https", "HTTPS proxy", [UI + "text", UI + "advanced"]),
    ("proxy.noProxy", "No proxy", [UI + "text", UI + "advanced"]),
    ("disableRedirect", "Disable redirects", [UI + "booleanSwitch", UI + "advanced"]),
    ("httpSecret", "HTTP secret", [UI + "password", UI + "advanced"]),
    ("configBundleSecret", "Configuration bundle Secret", [KIND + "Secret", UI + "advanced"]),
    ("autoscaling", "Autoscaling", [UI + "advanced"]),
    ("autoscaling.minReplicas", "Minimum replicas", [UI + "number", UI + "advanced"]),
    ("autoscaling.maxReplicas", "Maximum replicas", [UI + "number", UI + "advanced"]),
    ("autoscaling.targetCPUUtilizationPercentage", "Target CPU utilization (%)", [UI + "number", UI + "advanced"]),
    ("pruning", "Pruning", []),
    ("pruning.schedule", "Prune schedule", [UI + "text"]),
    ("pruning.suspend", "Suspend pruning", [UI + "booleanSwitch"]),
    ("pruning.keepTagRevisions", "Tags to keep", [UI + "number"]),
    ("pruning.keepYoungerThan", "Keep images younger than", [UI + "text"]),
    ("pruning.successfulJobsHistoryLimit", "Finished prune Jobs kept", [UI + "number", UI + "advanced"]),
    ("pruning.failedJobsHistoryLimit", "Failed prune Jobs kept", [UI + "number", UI + "advanced"]),
    ("pruning.garbageCollect", "Garbage-collect blobs", [UI + "booleanSwitch", UI + "advanced"]),
    ("mirrors", "Mirrors", []),
    ("components", "Components", []),
]
STATUS_DESCRIPTORS = [
    ("conditions", "Conditions", ["urn:alm:descriptor:io.kubernetes.conditions"]),
    ("readyReplicas", "Ready replicas", [UI + "podCount"]),
    ("internalHostname", "Internal host", [UI + "text"]),
    ("externalHostnames", "External hosts", [UI + "text"]),
    ("storageManaged", "Storage created by the operator", [UI + "text"]),
    ("configHash", "Configuration hash", [UI + "text"]),
    ("observedGeneration", "Observed generation", [UI + "text"]),
    ("mirrors", "Mirrors", []),
    ("lastPrune", "Last prune", []),
    ("lastPrune.time", "Last prune time", [UI + "text"]),
    ("lastPrune.manifestsDeleted", "Manifests deleted by the last prune", [UI + "text"]),
    ("lastPrune.bytesFreeable", "Bytes freeable after the last prune", [UI + "text"]),
    ("lastPrune.message", "Last prune error", [UI + "text"]),
]

# The kinds a RegistryConfig owns (the console's Resources tab). Each must be one the operator's
# ClusterRole lets it write (checked below).
OWNED_RESOURCES = [
    ("Deployment", "deployments", "v1", "apps"),
    ("Service", "services", "v1", ""),
    ("ServiceAccount", "serviceaccounts", "v1", ""),
    ("Secret", "secrets", "v1", ""),
    ("ConfigMap", "configmaps", "v1", ""),
    ("PersistentVolumeClaim", "persistentvolumeclaims", "v1", ""),
    ("CronJob", "cronjobs", "v1", "batch"),
    ("Ingress", "ingresses", "v1", "networking.k8s.io"),
    ("Route", "routes", "v1", "route.openshift.io"),
    ("PodDisruptionBudget", "poddisruptionbudgets", "v1", "policy"),
    ("HorizontalPodAutoscaler", "horizontalpodautoscalers", "v2", "autoscaling"),
    ("DaemonSet", "daemonsets", "v1", "apps"),
    ("Role", "roles", "v1", "rbac.authorization.k8s.io"),
    ("RoleBinding", "rolebindings", "v1", "rbac.authorization.k8s.io"),
]

# OLM passes the OperatorGroup's target namespaces to the operator's pods as this annotation
# (comma-separated; "" for all namespaces), which `run --namespace` accepts as is.
TARGET_NAMESPACES_ENV = {
    "name": "REGISTRY_OPERATOR_NAMESPACE",
    "valueFrom": {"fieldRef": {"fieldPath": "metadata.annotations['olm.targetNamespaces']"}},
}

GENERATED = "# Generated by hack/generate-bundle.sh from manifests/ and crds/: do not edit.\n"


def fail(message):
    sys.exit(f"generate-bundle: {message}")


class Dumper(yaml.SafeDumper):
    """Block style, keys in the order given, no anchors, multi-line strings as literal blocks."""

    def ignore_aliases(self, data):
        return True


def _str(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


Dumper.add_representer(str, _str)


def dump(documents):
    return yaml.dump_all(documents, Dumper=Dumper, sort_keys=False, default_flow_style=False,
                         width=100, allow_unicode=True)


def load_objects(directory, recursive=False):
    """Every object of the YAML files of directory (and of its subfolders if recursive), in the
    order of their paths."""
    paths = []
    for folder, subfolders, files in os.walk(directory):
        subfolders.sort()
        paths += [os.path.join(folder, f) for f in sorted(files) if f.endswith((".yaml", ".yml"))]
        if not recursive:
            break
    objects = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if isinstance(doc, dict) and doc.get("kind"):
                    objects.append((path, doc))
    return objects


def one(objects, kind, what):
    found = [o for _, o in objects if o["kind"] == kind]
    if len(found) != 1:
        fail(f"manifests/ must hold exactly one {kind} ({what}), found {len(found)}")
    return found[0]


def bound_rules(objects, binding_kind, role_kind, account, namespace):
    """The rules of every role_kind that a binding_kind grants to the ServiceAccount."""
    roles = {o["metadata"]["name"]: o for _, o in objects if o["kind"] == role_kind}
    rules = []
    for _, binding in objects:
        if binding["kind"] != binding_kind:
            continue
        subjects = binding.get("subjects") or []
        if not any(s.get("kind") == "ServiceAccount" and s.get("name") == account
                   and s.get("namespace", namespace) == namespace for s in subjects):
            continue
        ref = binding["roleRef"]
        if ref["kind"] != role_kind or ref["name"] not in roles:
            fail(f"{binding_kind} {binding['metadata']['name']} refers to {ref['kind']} {ref['name']}, "
                 f"which manifests/ does not hold")
        rules.extend(copy.deepcopy(roles[ref["name"]]["rules"]))
    if not rules:
        fail(f"no {binding_kind} in manifests/ grants ServiceAccount {account} a {role_kind}")
    return rules


def schema_at(schema, path):
    node = schema
    for part in path.split("."):
        props = node.get("properties") or {}
        if part not in props:
            return None
        node = props[part]
    return node


def descriptors(schema, table, section):
    root = schema["properties"][section]
    listed = {path for path, _, _ in table}
    missing = sorted(set(root.get("properties", {})) - listed)
    if missing:
        fail(f"{section} fields without a descriptor in hack/olm/generate.py: {', '.join(missing)}")
    out = []
    for path, display, xdescriptors in table:
        node = schema_at(root, path)
        if node is None:
            fail(f"descriptor path {section}.{path} is not in the CRD's schema")
        entry = {"path": path, "displayName": display,
                 "description": " ".join(node.get("description", "").split())}
        if not entry["description"]:
            fail(f"{section}.{path} has no description in the CRD's schema")
        if xdescriptors:
            entry["x-descriptors"] = list(xdescriptors)
        out.append(entry)
    return out


def allows(rules, group, resource, verb):
    return any(group in r.get("apiGroups", []) and resource in r.get("resources", [])
               and verb in r.get("verbs", []) and not r.get("resourceNames") for r in rules)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--out", required=True)
    for option in ("package", "version", "channels", "default-channel", "created-at",
                   "min-kube-version", "project-url", "maintainer-name", "maintainer-email",
                   "provider"):
        parser.add_argument("--" + option, required=True)
    args = parser.parse_args()
    root = args.root

    # All of manifests/, subfolders too (a chart rendered with --output-dir nests its files); the
    # kinds read below are the only ones used, so optional extras there change nothing.
    objects = load_objects(os.path.join(root, "manifests"), recursive=True)
    deployment = one(objects, "Deployment", "the operator")
    pod = deployment["spec"]["template"]["spec"]
    account = pod.get("serviceAccountName") or fail("the Deployment names no serviceAccountName")
    namespace = deployment["metadata"].get("namespace", "")
    cluster_rules = bound_rules(objects, "ClusterRoleBinding", "ClusterRole", account, namespace)
    namespace_rules = bound_rules(objects, "RoleBinding", "Role", account, namespace)
    # The metrics Service: the one with a port named metrics (OLM creates it with the operator).
    services = [o for _, o in objects if o["kind"] == "Service"
                and any(p.get("name") == "metrics" for p in o.get("spec", {}).get("ports", []))]
    if len(services) != 1:
        fail(f"manifests/ must hold exactly one Service with a port named metrics, found {len(services)}")
    service = copy.deepcopy(services[0])
    # Bundle objects are created in the namespace the operator is installed in.
    service["metadata"].pop("namespace", None)

    crd_objects = load_objects(os.path.join(root, "crds"))
    crds = [(path, o) for path, o in crd_objects if o["kind"] == "CustomResourceDefinition"]
    if len(crds) != 1:
        fail(f"crds/ must hold exactly one CustomResourceDefinition, found {len(crds)}")
    crd_path, crd = crds[0]
    versions = [v for v in crd["spec"]["versions"] if v.get("storage")]
    crd_version = versions[0]
    schema = crd_version["schema"]["openAPIV3Schema"]
    kind = crd["spec"]["names"]["kind"]
    group = crd["spec"]["group"]

    for _, plural, _, api_group in OWNED_RESOURCES:
        if not allows(cluster_rules, api_group, plural, "create"):
            fail(f"OWNED_RESOURCES lists {api_group}/{plural}, which the ClusterRole may not create")

    # The operator's Deployment as OLM will create it, plus the target namespaces.
    spec = copy.deepcopy(deployment["spec"])
    containers = spec["template"]["spec"]["containers"]
    operator = containers[0]
    env = [e for e in operator.get("env", []) if e["name"] != TARGET_NAMESPACES_ENV["name"]]
    operator["env"] = [copy.deepcopy(TARGET_NAMESPACES_ENV)] + env

    # Every image the operator runs or deploys: its own container's, and the RELATED_IMAGE_*
    # values it reads (OLM's convention, which mirroring tools rewrite).
    related = []
    for container in containers:
        related.append((container["name"], container["image"]))
        for e in container.get("env", []):
            if e["name"].startswith("RELATED_IMAGE_") and "value" in e:
                related.append((e["name"][len("RELATED_IMAGE_"):].lower().replace("_", "-"), e["value"]))
    related_images, seen = [], set()
    for name, image in related:
        if image not in seen:
            seen.add(image)
            related_images.append({"name": name, "image": image})

    with open(os.path.join(root, "crds", "samples", "registryconfig.yaml"), encoding="utf-8") as f:
        samples = [d for d in yaml.safe_load_all(f) if d]
    for sample in samples:
        if sample.get("kind") != kind or sample.get("apiVersion") != f"{group}/{crd_version['name']}":
            fail(f"crds/samples/registryconfig.yaml holds a {sample.get('kind')}, not a {kind}")

    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "description.md"), encoding="utf-8") as f:
        long_description = f.read().rstrip() + "\n"
    with open(os.path.join(here, "icon.svg"), "rb") as f:
        icon = base64.b64encode(f.read()).decode()

    csv_name = f"{args.package}.v{args.version}"
    csv = {
        "apiVersion": "operators.coreos.com/v1alpha1",
        "kind": "ClusterServiceVersion",
        "metadata": {
            "name": csv_name,
            "annotations": {
                "alm-examples": json.dumps(samples, indent=2) + "\n",
                # Provisioning and configuration of the operand, nothing more proven: no upgrade
                # path from an earlier version exists yet (capability level 1).
                "capabilities": "Basic Install",
                "categories": "Developer Tools, Integration & Delivery",
                "containerImage": operator["image"],
                "createdAt": args.created_at,
                "description": "Runs CNCF Distribution container image registries, each described by "
                               "one RegistryConfig: storage, TLS, authentication, routes, pruning "
                               "and mirroring.",
                "repository": args.project_url,
                "support": args.provider,
                # OpenShift's feature annotations, each as it is today. disconnected: the images
                # are referenced by tag, not digest. fips-compliant: not built or tested against
                # a FIPS-validated module. proxy-aware: the cluster-wide proxy is not passed on
                # (only a RegistryConfig's own spec.proxy, to its registry pods). tls-profiles:
                # the cluster's TLS security profile is not read. The token-auth ones: no cloud
                # short-lived credential flows. The older operators.openshift.io/
                # infrastructure-features list would be empty, so it is left out.
                "features.operators.openshift.io/disconnected": "false",
                "features.operators.openshift.io/fips-compliant": "false",
                "features.operators.openshift.io/proxy-aware": "false",
                "features.operators.openshift.io/tls-profiles": "false",
                "features.operators.openshift.io/token-auth-aws": "false",
                "features.operators.openshift.io/token-auth-azure": "false",
                "features.operators.openshift.io/token-auth-gcp": "false",
                "features.operators.openshift.io/cnf": "false",
                "features.operators.openshift.io/cni": "false",
                "features.operators.openshift.io/csi": "false",
            },
            "labels": {
                # hack/build-images.sh builds the operator image for linux/amd64 only.
                "operatorframework.io/arch.amd64": "supported",
                "operatorframework.io/os.linux": "supported",
            },
        },
        "spec": {
            "displayName": "Registry Operator",
            "description": long_description,
            "icon": [{"base64data": icon, "mediatype": "image/svg+xml"}],
            "keywords": ["registry", "container registry", "image registry", "distribution", "oci",
                         "mirror", "pruning"],
            "links": [
                {"name": "Source and documentation", "url": args.project_url},
                {"name": "CNCF Distribution (the registry it runs)", "url": "https://github.com/distribution/distribution"},
            ],
            "maintainers": [{"name": args.maintainer_name, "email": args.maintainer_email}],
            "provider": {"name": args.provider, "url": args.project_url},
            "maturity": "alpha",
            "version": args.version,
            "minKubeVersion": args.min_kube_version,
            "installModes": [
                {"type": mode, "supported": True}
                for mode in ("OwnNamespace", "SingleNamespace", "MultiNamespace", "AllNamespaces")
            ],
            "install": {
                "strategy": "deployment",
                "spec": {
                    "clusterPermissions": [{"serviceAccountName": account, "rules": cluster_rules}],
                    "permissions": [{"serviceAccountName": account, "rules": namespace_rules}],
                    "deployments": [{
                        "name": deployment["metadata"]["name"],
                        "label": copy.deepcopy(deployment["metadata"].get("labels", {})),
                        "spec": spec,
                    }],
                },
            },
            "customresourcedefinitions": {
                "owned": [{
                    "name": crd["metadata"]["name"],
                    "version": crd_version["name"],
                    "kind": kind,
                    "displayName": "Registry Config",
                    "description": " ".join(schema["description"].split()),
                    "resources": [{"kind": k, "name": n, "version": v} for k, n, v, _ in OWNED_RESOURCES],
                    "specDescriptors": descriptors(schema, SPEC_DESCRIPTORS, "spec"),
                    "statusDescriptors": descriptors(schema, STATUS_DESCRIPTORS, "status"),
                }],
            },
            "relatedImages": related_images,
        },
    }

    annotations = {
        "operators.operatorframework.io.bundle.mediatype.v1": MEDIATYPE,
        "operators.operatorframework.io.bundle.manifests.v1": "manifests/",
        "operators.operatorframework.io.bundle.metadata.v1": "metadata/",
        "operators.operatorframework.io.bundle.package.v1": args.package,
        "operators.operatorframework.io.bundle.channels.v1": args.channels,
        "operators.operatorframework.io.bundle.channel.default.v1": args.default_channel,
    }

    out = args.out
    os.makedirs(os.path.join(out, "manifests"))
    os.makedirs(os.path.join(out, "metadata"))

    def write(relative, text):
        with open(os.path.join(out, relative), "w", encoding="utf-8") as f:
            f.write(text)

    write(f"manifests/{args.package}.clusterserviceversion.yaml", GENERATED + dump([csv]))
    # The CRD as it is, comments and all: OLM applies exactly this.
    with open(crd_path, encoding="utf-8") as f:
        write(f"manifests/{group}_{crd['spec']['names']['plural']}.yaml", GENERATED + f.read())
    write(f"manifests/{service['metadata']['name']}_v1_service.yaml", GENERATED + dump([service]))
    write("metadata/annotations.yaml", GENERATED + dump([{"annotations": annotations}]))
    labels = "".join(f"LABEL {key}={value}\n" for key, value in annotations.items())
    write("bundle.Containerfile",
          GENERATED +
          "# The bundle image: built with `buildah bud` by hack/build-bundle-image.sh, with bundle/\n"
          "# as its context. Its labels repeat metadata/annotations.yaml.\n"
          "FROM scratch\n\n" + labels + "\nCOPY manifests /manifests/\nCOPY metadata /metadata/\n")


if __name__ == "__main__":
    main()

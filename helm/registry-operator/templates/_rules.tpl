{{/*
The operator's RBAC rules, in two parts: what it needs in each namespace it watches, and what is
cluster-scoped. Watching all namespaces, both go into one ClusterRole; watching named ones, the
first goes into a Role in each of them (role-watched-namespaces.yaml).
*/}}
{{- define "registry-operator.namespacedRules" -}}
- apiGroups: [imageregistry.io]
  resources: [registryconfigs]
  verbs: [get, list, watch]
# get and patch on registryconfigs/status are also what the Role N-jobs grants the pruner and
# mirror jobs for their own CR (RBAC refuses to grant more than the granter holds).
- apiGroups: [imageregistry.io]
  resources: [registryconfigs/status]
  verbs: [get, patch, update]
# Owned objects carry owner references with blockOwnerDeletion; where the
# OwnerReferencesPermissionEnforcement admission plugin runs (OpenShift), setting one needs
# update on the owner's finalizers.
- apiGroups: [imageregistry.io]
  resources: [registryconfigs/finalizers]
  verbs: [update]
# Owned objects; Secrets also because the operator reads the user's (config bundle,
# htpasswd, TLS, S3 credentials).
- apiGroups: [""]
  resources: [secrets, configmaps, services, serviceaccounts, persistentvolumeclaims]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [batch]
  resources: [cronjobs]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [networking.k8s.io]
  resources: [ingresses]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [get, list, watch, create, update, patch, delete]
# node-ca's own identity (nodeCA/nodeResolver components). It may only read its DaemonSet; the
# operator can grant that because it holds it (RBAC refuses to grant more than one holds).
- apiGroups: [apps]
  resources: [daemonsets]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [get, list, watch, create, update, patch, delete]
# OpenShift only; harmless elsewhere. custom-host lets routes[].hostname be set.
- apiGroups: [route.openshift.io]
  resources: [routes]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [route.openshift.io]
  resources: [routes/custom-host]
  verbs: [create, update, patch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch, update]
{{- end }}

{{- define "registry-operator.clusterRules" -}}
# ClusterRoles registry-viewer and registry-editor (auth type Kubernetes), applied at start:
# reading and changing only these two names; creating cannot be limited by name in RBAC (a
# server-side apply that creates is authorized as a create). No escalate: a role can grant
# only what its author holds, and the operator holds what these two grant (below).
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterroles]
  resourceNames: [registry-viewer, registry-editor]
  verbs: [get, patch]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterroles]
  verbs: [create]
# What those roles grant. No API serves repositories: RBAC lets a role name only rights its
# author holds, so the operator holds these, cluster-wide as a ClusterRole needs, and they reach
# nothing else.
- apiGroups: [imageregistry.io]
  resources: [repositories]
  verbs: [get, list, update, delete]
{{- end }}

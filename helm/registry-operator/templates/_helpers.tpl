{{/*
The chart name, or nameOverride.
*/}}
{{- define "registry-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The objects' name: fullnameOverride, or the release name when it holds the chart name (release
registry-operator: registry-operator), else <release>-<chart>. 63 characters at most (a DNS label).
*/}}
{{- define "registry-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "registry-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels: what the Deployment, the metrics Service and the ServiceMonitor select by.
A Deployment's selector cannot change after it is made, so nothing that changes with an upgrade
(versions) belongs here.
*/}}
{{- define "registry-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "registry-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels of every object. hack/generate-manifests.sh drops helm.sh/chart, app.kubernetes.io/version
and app.kubernetes.io/managed-by from the plain manifests (nothing there manages or versions them).
*/}}
{{- define "registry-operator.labels" -}}
helm.sh/chart: {{ include "registry-operator.chart" . }}
{{ include "registry-operator.selectorLabels" . }}
app.kubernetes.io/part-of: registry-operator
{{- with .Chart.AppVersion }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
The operator's image, also the one of the pruner, mirror and node-ca pods.
*/}}
{{- define "registry-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (toString .Values.image.tag) }}
{{- end }}

{{/*
A value for a flag: a string as it is, a number as an integer (values.yaml numbers arrive as
floats, which would print 1000680000 as 1.00068e+09).
*/}}
{{- define "registry-operator.flagValue" -}}
{{- if kindIs "string" . }}{{ . }}{{ else }}{{ int64 . }}{{ end }}
{{- end }}

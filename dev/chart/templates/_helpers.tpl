{{/* The name of every object: the release name, with the chart name added unless it already holds it. */}}
{{- define "k8s-image-replacer.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the webhook's pods; never change them in an upgrade (selectors are immutable). */}}
{{- define "k8s-image-replacer.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: webhook
{{- end -}}

{{- define "k8s-image-replacer.labels" -}}
{{ include "k8s-image-replacer.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "k8s-image-replacer.tlsSecretName" -}}
{{- printf "%s-tls" (include "k8s-image-replacer.fullname" .) -}}
{{- end -}}

{{/* The names the serving certificate must carry: the Service, short and fully qualified. */}}
{{- define "k8s-image-replacer.dnsNames" -}}
{{- $service := include "k8s-image-replacer.fullname" . -}}
{{- $namespace := .Release.Namespace -}}
{{- list $service (printf "%s.%s" $service $namespace) (printf "%s.%s.svc" $service $namespace) (printf "%s.%s.svc.cluster.local" $service $namespace) | toJson -}}
{{- end -}}

{{- define "rm.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "rm.serviceAccount" -}}
{{ .Values.serviceAccount.name | default (include "rm.fullname" .) }}
{{- end -}}

{{- define "rm.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "rm.labels" -}}
{{ include "rm.selector" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The component configuration: the chart's settings, then .Values.config on top. */}}
{{- define "rm.config" -}}
{{- $base := dict
  "apiVersion" "resourcemanager.config.gardener.cloud/v1alpha1"
  "kind" "ResourceManagerConfiguration"
  "sourceClientConnection" (dict "namespaces" .Values.namespaces)
  "leaderElection" (dict "leaderElect" true "resourceNamespace" .Release.Namespace)
  "server" (dict
    "healthProbes" (dict "bindAddress" "0.0.0.0" "port" .Values.probes.port)
    "metrics" (dict "bindAddress" "0.0.0.0" "port" .Values.metrics.port))
  "logFormat" "json"
-}}
{{- if .Values.sourceKubeconfig.secretName -}}
{{- $_ := set $base.sourceClientConnection "kubeconfig" "/etc/resource-manager/source/kubeconfig" -}}
{{- end -}}
{{- if .Values.targetKubeconfig.secretName -}}
{{- $_ := set $base "targetClientConnection" (dict "kubeconfig" "/etc/resource-manager/target/kubeconfig") -}}
{{- end -}}
{{- toYaml (mergeOverwrite $base (deepCopy .Values.config)) -}}
{{- end -}}

{{- define "rm.leaseName" -}}
{{- ((.Values.config).leaderElection).resourceName | default "gardener-resource-manager" -}}
{{- end -}}

{{/* The Lease(s) the replicas elect their leader with: one per shard when sharded. */}}
{{- define "rm.leaseNames" -}}
{{- $lease := include "rm.leaseName" . -}}
{{- $shards := int .Values.shards -}}
{{- $names := list ($lease | quote) -}}
{{- if gt $shards 1 -}}
{{- $names = list -}}
{{- range $i := until $shards }}{{ $names = append $names (printf "%s-shard-%d-of-%d" $lease $i $shards | quote) }}{{ end -}}
{{- end -}}
{{- join ", " $names -}}
{{- end -}}

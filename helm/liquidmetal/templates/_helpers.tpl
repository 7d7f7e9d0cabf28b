{{/* The chart's name, overridable. */}}
{{- define "liquidmetal.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name: the base of every object's name, at most 63 characters (a DNS label). */}}
{{- define "liquidmetal.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* chart-version, as the helm.sh/chart label wants it. */}}
{{- define "liquidmetal.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* What selects the reconciler's pods: never changes after install (a Deployment's selector is immutable). */}}
{{- define "liquidmetal.selectorLabels" -}}
app.kubernetes.io/name: {{ include "liquidmetal.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: reconciler
{{- end -}}

{{/* The standard labels of every object. */}}
{{- define "liquidmetal.labels" -}}
helm.sh/chart: {{ include "liquidmetal.chart" . }}
{{ include "liquidmetal.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: liquidmetal
{{- end -}}

{{- define "liquidmetal.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "liquidmetal.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* repository@digest, else repository:tag (the tag defaults to the chart's appVersion). */}}
{{- define "liquidmetal.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "liquidmetal.leaseName" -}}
{{- default (include "liquidmetal.fullname" .) .Values.leaderElection.leaseName -}}
{{- end -}}

{{/*
Whether the reconciler gets one credential file: "true" or "". Called with (list $ part key field): with an
existingSecret, when its existingSecretKeys name the key (webhook and age Secrets always hold theirs); otherwise when
the value .Values.<part>.<field> is given.
*/}}
{{- define "liquidmetal.has" -}}
{{- $root := index . 0 -}}
{{- $v := index $root.Values (index . 1) -}}
{{- if $v.existingSecret -}}
{{- if or (has (index . 1) (list "webhook" "age")) (has (index . 2) (default (list) $v.existingSecretKeys)) -}}true{{- end -}}
{{- else if index $v (index . 3) -}}true{{- end -}}
{{- end -}}

{{/* The keys, and the values they come from, of each credential Secret. */}}
{{- define "liquidmetal.secretKeys" -}}
git: {ssh-privatekey: sshPrivateKey, known_hosts: knownHosts, token: token}
webhook: {secret: secret}
agents: {ca.crt: caCert, tls.crt: clientCert, tls.key: clientKey, token: token}
age: {key.txt: key}
{{- end -}}

{{/*
The name of the Secret of a part (git, webhook, agents, age): its existingSecret, else the one this chart makes when
any value of the part is given, else "" (the reconciler gets no such files). Called with (list $ part).
*/}}
{{- define "liquidmetal.secretName" -}}
{{- $root := index . 0 -}}
{{- $part := index . 1 -}}
{{- $v := index $root.Values $part -}}
{{- if $v.existingSecret -}}
{{- $v.existingSecret -}}
{{- else -}}
{{- $given := false -}}
{{- range $key, $field := index (include "liquidmetal.secretKeys" $root | fromYaml) $part -}}
{{- if index $v $field }}{{ $given = true }}{{ end -}}
{{- end -}}
{{- if $given -}}
{{- printf "%s-%s" (include "liquidmetal.fullname" $root) $part | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

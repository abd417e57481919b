{{/* Names */}}
{{- define "switchboard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "switchboard.fullname" -}}
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

{{/* A component's object name: <fullname>-<component>. Call with (dict "root" $ "component" "gateway"). */}}
{{- define "switchboard.componentName" -}}
{{- printf "%s-%s" (include "switchboard.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "switchboard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels */}}
{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "switchboard.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "switchboard.labels" -}}
helm.sh/chart: {{ include "switchboard.chart" .root }}
{{ include "switchboard.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: switchboard
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "switchboard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "switchboard.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* image reference: repository, then @digest or :tag (appVersion by default). Call with (dict "root" $ "image" .Values.gateway.image). */}}
{{- define "switchboard.image" -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Secrets: where each connection setting comes from. */}}
{{- define "switchboard.secretName" -}}
{{- include "switchboard.fullname" . -}}
{{- end -}}

{{- define "switchboard.cnpgClusterName" -}}
{{- printf "%s-pg" (include "switchboard.fullname" .) | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{/* EnvVar source of REDIS_URL, DATABASE_URL, JWT_SECRET (valueFrom.secretKeyRef). */}}
{{- define "switchboard.redisUrlRef" -}}
secretKeyRef:
  {{- if .Values.redis.existingSecret }}
  name: {{ .Values.redis.existingSecret }}
  key: {{ .Values.redis.existingSecretKey }}
  {{- else }}
  name: {{ include "switchboard.secretName" . }}
  key: redis-url
  {{- end }}
{{- end -}}

{{/* The gateway's Redis: REDIS_URL from a Secret, or a Redis Cluster's password (its nodes, TLS and user are in the ConfigMap). */}}
{{- define "switchboard.redisEnv" -}}
{{- $c := .Values.redis.cluster -}}
{{- if not $c.enabled }}
- name: REDIS_URL
  valueFrom:
    {{- include "switchboard.redisUrlRef" . | nindent 4 }}
{{- else if $c.existingSecret }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $c.existingSecret }}
      key: {{ $c.passwordKey }}
{{- end }}
{{- end -}}

{{/* Destination ports of the Redis Cluster's seed nodes (for the egress rules). */}}
{{- define "switchboard.redisClusterPorts" -}}
{{- if .Values.redis.cluster.enabled -}}
{{- range .Values.redis.cluster.nodes }}{{ splitList ":" . | last }} {{ end -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.databaseUrlRef" -}}
secretKeyRef:
  {{- if .Values.postgresql.cloudnativepg.enabled }}
  {{- /* CloudNativePG writes <cluster>-app with a ready-made connection URI. */}}
  name: {{ include "switchboard.cnpgClusterName" . }}-app
  key: uri
  {{- else if .Values.postgresql.existingSecret }}
  name: {{ .Values.postgresql.existingSecret }}
  key: {{ .Values.postgresql.existingSecretKey }}
  {{- else }}
  name: {{ include "switchboard.secretName" . }}
  key: database-url
  {{- end }}
{{- end -}}

{{/* True when the HS256 secret is in use (no JWKS URL, or an explicit secret). */}}
{{/* HS256 with a shared secret: whenever no JWKS URL is set (the gateway never takes both). */}}
{{- define "switchboard.usesJwtSecret" -}}
{{- if not .Values.auth.jwksUrl -}}true{{- end -}}
{{- end -}}

{{/* The gateway's NODE_ENV: production unless gateway.env says otherwise. */}}
{{- define "switchboard.gatewayNodeEnv" -}}
{{- index (.Values.gateway.env | default dict) "NODE_ENV" | default "production" -}}
{{- end -}}

{{/* HS256 in production: needs auth.allowHs256InProduction, and iss/aud (the gateway requires both there). */}}
{{- define "switchboard.hs256InProduction" -}}
{{- if and (include "switchboard.usesJwtSecret" .) (eq (include "switchboard.gatewayNodeEnv" .) "production") -}}true{{- end -}}
{{- end -}}

{{/* Expected `iss` and `aud`: the values, or `switchboard` for the shared secret in production. */}}
{{- define "switchboard.jwtIssuer" -}}
{{- .Values.auth.issuer | default (ternary "switchboard" "" (eq (include "switchboard.hs256InProduction" .) "true")) -}}
{{- end -}}
{{- define "switchboard.jwtAudience" -}}
{{- .Values.auth.audience | default (ternary "switchboard" "" (eq (include "switchboard.hs256InProduction" .) "true")) -}}
{{- end -}}

{{- define "switchboard.jwtSecretRef" -}}
secretKeyRef:
  {{- if .Values.auth.existingSecret }}
  name: {{ .Values.auth.existingSecret }}
  key: {{ .Values.auth.existingSecretKey }}
  {{- else }}
  name: {{ include "switchboard.secretName" . }}
  key: jwt-secret
  {{- end }}
{{- end -}}

{{/* Comma-separated Kafka brokers; the Strimzi bootstrap service when none are given. */}}
{{- define "switchboard.kafkaBrokers" -}}
{{- if .Values.kafka.brokers -}}
{{- join "," .Values.kafka.brokers -}}
{{- else if .Values.kafka.strimzi.enabled -}}
{{- printf "%s-kafka-bootstrap:9092" .Values.kafka.strimzi.clusterName -}}
{{- else -}}
{{- fail "kafka.brokers is empty: set the Kafka bootstrap brokers (or enable kafka.strimzi)" -}}
{{- end -}}
{{- end -}}

{{/* terminationGracePeriodSeconds: preStop sleep + the process's own drain + a margin for the exit. */}}
{{- define "switchboard.gateway.terminationGrace" -}}
{{- add .Values.gateway.preStopSleepSeconds .Values.gateway.shutdownGraceSeconds 10 -}}
{{- end -}}

{{- define "switchboard.persister.terminationGrace" -}}
{{- add .Values.persister.shutdownGraceSeconds 10 -}}
{{- end -}}

{{/* Topology spread constraints with the component's selector added where none is given. */}}
{{- define "switchboard.topologySpread" -}}
{{- $root := .root -}}
{{- $component := .component -}}
{{- range .constraints }}
- {{ toYaml (omit . "labelSelector") | indent 2 | trim }}
  labelSelector:
    {{- if .labelSelector }}
    {{- toYaml .labelSelector | nindent 4 }}
    {{- else }}
    matchLabels:
      {{- include "switchboard.selectorLabels" (dict "root" $root "component" $component) | nindent 6 }}
    {{- end }}
{{- end }}
{{- end -}}

{{/* Checks that run on every render: settings that cannot work together. */}}
{{- define "switchboard.validate" -}}
{{- $p := .Values.persister -}}
{{- if gt (int $p.replicaCount) (int .Values.kafka.partitions) -}}
{{- fail (printf "persister.replicaCount (%d) is above kafka.partitions (%d): the extra replicas would get no partition" (int $p.replicaCount) (int .Values.kafka.partitions)) -}}
{{- end -}}
{{- if and $p.autoscaling.enabled (gt (int $p.autoscaling.maxReplicas) (int .Values.kafka.partitions)) -}}
{{- fail (printf "persister.autoscaling.maxReplicas (%d) is above kafka.partitions (%d): the extra replicas would get no partition" (int $p.autoscaling.maxReplicas) (int .Values.kafka.partitions)) -}}
{{- end -}}
{{- if and $p.autoscaling.enabled (gt (int $p.autoscaling.minReplicas) (int $p.autoscaling.maxReplicas)) -}}
{{- fail "persister.autoscaling.minReplicas is above maxReplicas" -}}
{{- end -}}
{{- if and .Values.gateway.autoscaling.enabled (gt (int .Values.gateway.autoscaling.minReplicas) (int .Values.gateway.autoscaling.maxReplicas)) -}}
{{- fail "gateway.autoscaling.minReplicas is above maxReplicas" -}}
{{- end -}}
{{- if and (not .Values.redis.cluster.enabled) (not .Values.redis.existingSecret) (not .Values.redis.url) -}}
{{- fail "set redis.url or redis.existingSecret, or enable redis.cluster with its nodes" -}}
{{- end -}}
{{- if and (not .Values.postgresql.cloudnativepg.enabled) (not .Values.postgresql.existingSecret) (not .Values.postgresql.url) -}}
{{- fail "set postgresql.url, postgresql.existingSecret or enable postgresql.cloudnativepg" -}}
{{- end -}}
{{- if and .Values.auth.jwksUrl (not (and .Values.auth.issuer .Values.auth.audience)) -}}
{{- fail "auth.jwksUrl needs auth.issuer and auth.audience: the identity provider signs tokens for other applications too" -}}
{{- end -}}
{{- if and .Values.auth.jwtSecret (lt (len .Values.auth.jwtSecret) 32) -}}
{{- fail "auth.jwtSecret must have at least 32 characters" -}}
{{- end -}}
{{- if and .Values.auth.jwksUrl (or .Values.auth.jwtSecret .Values.auth.existingSecret) -}}
{{- fail "set auth.jwksUrl or an HS256 secret (auth.jwtSecret, auth.existingSecret), not both: the gateway never accepts HS256 tokens beside a JWKS URL" -}}
{{- end -}}
{{- if and (include "switchboard.hs256InProduction" .) (not .Values.auth.allowHs256InProduction) -}}
{{- fail "without auth.jwksUrl the gateway verifies HS256 tokens with a shared secret, which production refuses: set auth.jwksUrl (with issuer and audience) or auth.allowHs256InProduction=true" -}}
{{- end -}}
{{- if eq (int .Values.gateway.port) (int .Values.gateway.opsPort) -}}
{{- fail "gateway.opsPort must differ from gateway.port: the ops endpoints are never on the public port" -}}
{{- end -}}
{{- end -}}

{{/* Egress of Switchboard pods: DNS, Redis/Kafka/PostgreSQL/OTLP ports, and the JWKS URL's port when set. */}}
{{- define "switchboard.egressRules" -}}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
- ports:
    {{- $ports := list }}
    {{- range .Values.networkPolicy.egress.ports }}{{ $ports = append $ports (int .) }}{{ end }}
    {{- range include "switchboard.redisClusterPorts" . | splitList " " | compact }}{{ $ports = append $ports (int .) }}{{ end }}
    {{- range $ports | uniq }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
  {{- with .Values.networkPolicy.egress.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- with .Values.auth.jwksUrl }}
{{- /* The identity provider is outside the cluster: its port, to any destination. */}}
{{- $url := urlParse . }}
{{- $hostPort := splitList ":" $url.host }}
{{- $default := ternary "443" "80" (eq $url.scheme "https") }}
- ports:
    - port: {{ ternary (last $hostPort) $default (gt (len $hostPort) 1) | int }}
      protocol: TCP
{{- end }}
{{- end -}}

{{/* Kafka TLS/SASL environment of the gateway and the persister (service-kit kafka-security.ts); nothing when off. */}}
{{- define "switchboard.kafkaSecurityEnv" -}}
{{- $k := .Values.kafka -}}
{{- if $k.tls.enabled }}
- name: KAFKA_SSL
  value: "true"
{{- if $k.tls.caSecret.name }}
- name: KAFKA_SSL_CA_FILE
  value: /etc/switchboard/kafka-ca/ca.crt
{{- end }}
{{- end }}
{{- if $k.sasl.mechanism }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $k.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  value: {{ required "kafka.sasl.username is required with kafka.sasl.mechanism" $k.sasl.username | quote }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ required "kafka.sasl.existingSecret (the Secret holding the SASL password) is required with kafka.sasl.mechanism" $k.sasl.existingSecret }}
      key: {{ $k.sasl.passwordKey }}
{{- end }}
{{- end -}}

{{/* The Kafka CA bundle as a file (volumeMounts entry / volumes entry); nothing without kafka.tls.caSecret.name. */}}
{{- define "switchboard.kafkaCaMount" -}}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.caSecret.name }}
- name: kafka-ca
  mountPath: /etc/switchboard/kafka-ca
  readOnly: true
{{- end }}
{{- end -}}

{{- define "switchboard.kafkaCaVolume" -}}
{{- with .Values.kafka.tls }}
{{- if and .enabled .caSecret.name }}
- name: kafka-ca
  secret:
    secretName: {{ .caSecret.name }}
    items:
      - key: {{ .caSecret.key }}
        path: ca.crt
{{- end }}
{{- end }}
{{- end -}}

{{/* A TriggerAuthentication for KEDA's Kafka scaler: needed when SASL or a CA bundle is set. */}}
{{- define "switchboard.kedaKafkaAuth" -}}
{{- $k := .Values.kafka -}}
{{- if or $k.sasl.mechanism (and $k.tls.enabled $k.tls.caSecret.name) -}}true{{- end -}}
{{- end -}}

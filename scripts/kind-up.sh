#!/usr/bin/env bash
# Creates the kind cluster Switchboard develops on (idempotent): Gateway API CRDs (experimental
# channel, for HTTPRoute sessionPersistence), Envoy Gateway with a Gateway on localhost:8080,
# and the development Redis (Valkey), Kafka (KRaft) and PostgreSQL in namespace switchboard.
# Needs docker and kubectl; kind and helm are built with scripts/ensure-go-tool.sh when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
cluster=switchboard
namespace="${SB_NAMESPACE:-switchboard}"
eg_version="${ENVOY_GATEWAY_VERSION:-v1.6.0}"
kind="$(command -v kind || scripts/ensure-go-tool.sh sigs.k8s.io/kind@v0.30.0)"
helm="$(command -v helm || scripts/ensure-go-tool.sh helm.sh/helm/v3/cmd/helm@v3.22.0)"
command -v kubectl >/dev/null || { echo "kind-up: kubectl is required" >&2; exit 1; }

if ! "$kind" get clusters | grep -qx "$cluster"; then
  "$kind" create cluster --config k8s/kind-config.yaml
fi
kubectl config use-context "kind-$cluster" >/dev/null

echo "kind-up: Gateway API CRDs (experimental channel) and Envoy Gateway $eg_version"
"$helm" template eg-crds oci://docker.io/envoyproxy/gateway-crds-helm --version "$eg_version" \
  --set crds.gatewayAPI.enabled=true --set crds.gatewayAPI.channel=experimental \
  --set crds.envoyGateway.enabled=true | kubectl apply --server-side --force-conflicts -f -
"$helm" upgrade --install eg oci://docker.io/envoyproxy/gateway-helm --version "$eg_version" \
  --namespace envoy-gateway-system --create-namespace --skip-crds --wait
kubectl apply -f k8s/gateway/envoy-gateway.yaml

echo "kind-up: development Redis, Kafka and PostgreSQL in namespace $namespace"
kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$namespace" apply -f k8s/dev/
kubectl -n "$namespace" rollout status statefulset/kafka --timeout=300s
kubectl -n "$namespace" rollout status statefulset/postgres --timeout=300s
kubectl -n "$namespace" rollout status deployment/valkey --timeout=300s
kubectl -n "$namespace" wait --for=condition=complete job/kafka-topics --timeout=300s
echo "kind-up: ready. Next: make dev (skaffold dev -p kind), then open http://localhost:8080"

# Switchboard: every command a developer or CI runs. Node.js 24 comes from scripts/ensure-node.sh.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

NODE_BIN := $(shell scripts/ensure-node.sh)
# /usr/sbin: haproxy and other daemons, which a normal user's PATH on Debian lacks.
export PATH := $(NODE_BIN):$(PATH):/usr/sbin:/sbin
STACK := node --import tsx stack/src/cli.ts
# Integration tests (unit tests run in test-unit; the chart on a control plane in test-cluster).
TESTS ?= '*/test/*.test.ts'

.PHONY: help install system-packages up down status logs test test-unit lint format typecheck clean web bench-persist bench-gateway bench-produce bench-scale loadtest bench \
  kind-up dev deploy chart-lint chart-test test-cluster images test-redis-cluster

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

node_modules/.installed: package.json package-lock.json */package.json db/prisma/schema.prisma
	@# npm ci refuses this lockfile: the registry mirror lacks some other-platform optional
	@# binaries (e.g. @biomejs/cli-darwin-*), so they are absent from it. install keeps to the lock.
	npm install --no-fund --no-audit
	npm run generate -w @switchboard/db
	@touch $@

install: node_modules/.installed web/dist/index.html ## install dependencies, generate the Prisma client, build the web client

# The web client the gateways serve at /; rebuilt when its sources or the protocol change.
web/dist/index.html: node_modules/.installed web/index.html web/vite.config.ts web/tsconfig.json \
  $(wildcard web/src/*.ts web/src/*/*.ts web/src/*.css protocol/src/*.ts)
	npm run build -w @switchboard/web

web: web/dist/index.html ## build the web client into web/dist (make up does it when needed)

up: system-packages install ## start the platform on 127.0.0.1 (idempotent)
	$(STACK) up

# Redis, PostgreSQL, HAProxy, Java and Maven: installed when missing (as root; otherwise it
# stops and prints the one command to run as root). .ci/run uses the same installer.
system-packages:
	scripts/install-system-packages.sh stack

down: ## stop everything the stack started
	$(STACK) down

status: ## show every process, its port and health
	$(STACK) status

logs: ## follow all logs (make logs S=kafka for one)
	$(STACK) logs $(S)

lint: install ## lint and format check (Biome); README settings tables up to date
	npx biome check .
	node scripts/config-docs.ts --check

docs: install ## regenerate README's settings tables from the config schemas
	node scripts/config-docs.ts

format: install ## apply formatting and safe lint fixes
	npx biome check --write .

typecheck: install ## TypeScript, strict
	npx tsc -p tsconfig.json
	npx tsc -p web/tsconfig.json
	npx tsc -p loadtest/scripts/tsconfig.json

# Pure logic only (no stack, no global setup): feedback in seconds, before anything starts.
# One process for all files (--test-isolation=none): loading tsx and the packages once instead
# of per file is most of the time (14 s against 94 s on the loaded 2-core machine).
test-unit: node_modules/.installed ## unit tests: */test/unit, no services needed
	node --import tsx --test --test-isolation=none '*/test/unit/**/*.test.ts'

test: lint typecheck test-unit ## everything: lint, types, unit, integration and control-plane tests (starts the stack if needed)
	node --import tsx --test --test-concurrency=1 --test-global-setup=stack/src/test-global-setup.ts \
	  --test-reporter=spec $(TESTS)
	$(MAKE) --no-print-directory test-redis-cluster
	$(MAKE) --no-print-directory test-cluster

# The platform on a three-node Redis Cluster (SB_REDIS_CLUSTER=1): a second stack beside the
# main one (offset 800, .stack/redis-cluster) runs the tests of what a Cluster changes (hash
# tags of the send's script, broadcast, catch-up, recovery, presence, the connection cap's
# renewal, Redis down or losing its data, a node killed under load), then stops, failed or
# not. About 2 minutes.
REDIS_CLUSTER_STACK := SB_REDIS_CLUSTER=1 SB_PORT_OFFSET=800 SB_STACK_DIR=$(CURDIR)/.stack/redis-cluster
REDIS_CLUSTER_TESTS ?= stack/test/redis.test.ts $(addprefix gateway/test/,$(addsuffix .test.ts, \
  cross-gateway-broadcast duplicate-client-msg-id client-msg-id-reuse-with-another-body-is-a-conflict \
  send-budget-is-spent-in-the-dedup-claim dedup-survives-a-gateway-dying-mid-send \
  connection-cap-counts-a-users-connections-on-every-pod handshakes-arriving-together-are-admitted-in-one-script \
  retry-after-redis-lost-its-data-keeps-the-first-id broadcast-survives-redis-dying-after-the-kafka-ack redis-outage \
  rejoin-with-since-after-a-gateway-crash-misses-nothing reconnect-recovery \
  presence-counts-users-not-connections presence-of-a-big-room-comes-in-batches-and-misses-no-one \
  presence-writes-go-in-batches-and-beats-send-no-users \
  a-gateway-hears-only-rooms-it-has-members-in a-lost-fan-out-subscription-is-filled-from-the-room-log \
  first-member-on-a-gateway-misses-nothing-after-its-join-ack redis-cluster-node-restart-loses-nothing))

test-redis-cluster: install ## integration tests on a 3-node Redis Cluster: a second stack (offset 800), stopped afterwards
	@status=0; $(REDIS_CLUSTER_STACK) node --import tsx --test --test-concurrency=1 \
	  --test-global-setup=stack/src/test-global-setup.ts --test-reporter=spec $(REDIS_CLUSTER_TESTS) || status=$$?; \
	  $(REDIS_CLUSTER_STACK) $(STACK) down; exit $$status

bench-persist: up ## benchmark: one persister drains 500k messages; naive INSERT and COPY for comparison
	node persister/bench/drain.ts

bench-gateway: up ## benchmark: one gateway vs the Socket.IO reference, interleaved (BENCH_GATEWAY_ARGS="--scenario ... --seconds N")
	node gateway/bench/fanout.ts $(BENCH_GATEWAY_ARGS)

bench-produce: up ## benchmark: Kafka broker, persister, PostgreSQL and gateway CPU per message at 500 and 3,000 msg/s
	node gateway/bench/produce-cost.ts

bench-scale: up ## benchmark: 1, 2, 4 gateways with rooms of their own: CPU for own vs other pods' rooms, Redis per message (BENCH_SCALE_ARGS="--rates ...")
	node gateway/bench/scale.ts $(BENCH_SCALE_ARGS)

# k6 load tests (loadtest/README.md). k6 is pinned and built once into .stack/cache/bin.
SCENARIO ?= fanout

loadtest: install ## k6 scenario: make loadtest SCENARIO=fanout|connect|history|soak (SB_TARGET=<url> for a cluster)
	node loadtest/src/run-scenario.ts $(SCENARIO)

bench: up ## whole-platform benchmark: gateway, persister, k6 fan-out, DB check; report in bench-results/
	node loadtest/src/bench.ts

# Kubernetes delivery. helm and kubeconform are pinned and built once into .stack/cache/bin.
HELM_MODULE := helm.sh/helm/v3/cmd/helm@v3.22.0
CHART := charts/switchboard

kind-up: ## create the kind cluster: Envoy Gateway, dev Redis/Kafka/PostgreSQL (needs docker, kubectl)
	scripts/kind-up.sh

dev: ## skaffold dev on kind: build the images, deploy the chart, forward the gateway to :3000
	skaffold dev -p kind --port-forward

deploy: ## skaffold run: build, push to REGISTRY (unless kind) and install the chart once
	skaffold run $(if $(REGISTRY),--default-repo=$(REGISTRY)) $(if $(PROFILE),-p $(PROFILE))

chart-lint: ## helm lint --strict with the defaults and every example values file
	@helm="$$(scripts/ensure-go-tool.sh $(HELM_MODULE))"; \
	  for f in "" $(CHART)/examples/*.yaml; do \
	    "$$helm" lint --strict $(CHART) --kube-version 1.37.0 $${f:+-f "$$f"}; \
	  done

chart-test: install ## chart checks: render, schemas, service contract, alerts, dashboards vs /metrics
	node --import tsx --test --test-concurrency=1 --test-global-setup=stack/src/test-global-setup.ts \
	  --test-reporter=spec 'charts/test/**/*.test.ts'

# The chart on a real control plane on 127.0.0.1 (etcd, kube-apiserver, controller-manager,
# scheduler built from k8s.io/kubernetes, kwok's fake nodes): install, upgrade, rollback,
# uninstall for every example. `make test` runs the same files (charts/test/cluster/).
test-cluster: install ## the chart on a real kube-apiserver (etcd, kwok; no kubelet): install/upgrade/rollback/uninstall
	node --import tsx charts/src/cluster/cli.ts test

images: install ## build the Dockerfile's targets with buildah (no Docker engine) and run each against the stack
	scripts/build-images.sh
	SB_IMAGES_TEST=1 node --import tsx --test --test-concurrency=1 --test-reporter=spec 'charts/test/images/*.test.ts'

clean: down ## stop the stack and delete its data (keeps downloads)
	rm -rf .stack/local

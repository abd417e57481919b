# Switchboard: every command a developer or CI runs. Node.js 24 comes from scripts/ensure-node.sh.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

NODE_BIN := $(shell scripts/ensure-node.sh)
export PATH := $(NODE_BIN):$(PATH)
# kafkajs schedules a negative timeout on Node >= 24 (harmless; kafkajs is in maintenance mode).
export NODE_OPTIONS := --disable-warning=TimeoutNegativeWarning
STACK := node --import tsx stack/src/cli.ts
TESTS ?= '*/test/**/*.test.ts'

.PHONY: help install up down status logs test test-unit lint format typecheck clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

node_modules/.installed: package.json package-lock.json */package.json db/prisma/schema.prisma
	@# npm ci refuses this lockfile: the registry mirror lacks some other-platform optional
	@# binaries (e.g. @biomejs/cli-darwin-*), so they are absent from it. install keeps to the lock.
	npm install --no-fund --no-audit
	npm run generate -w @switchboard/db
	@touch $@

install: node_modules/.installed ## install dependencies and generate the Prisma client

up: install ## start the platform on 127.0.0.1 (idempotent)
	$(STACK) up

down: ## stop everything the stack started
	$(STACK) down

status: ## show every process, its port and health
	$(STACK) status

logs: ## follow all logs (make logs S=kafka for one)
	$(STACK) logs $(S)

lint: install ## lint and format check (Biome)
	npx biome check .

format: install ## apply formatting and safe lint fixes
	npx biome check --write .

typecheck: install ## TypeScript, strict
	npx tsc -p tsconfig.json

test: lint typecheck ## everything: lint, types, unit and integration tests (starts the stack if needed)
	node --import tsx --test --test-concurrency=1 --test-global-setup=stack/src/test-global-setup.ts \
	  --test-reporter=spec $(TESTS)

clean: down ## stop the stack and delete its data (keeps downloads)
	rm -rf .stack/local

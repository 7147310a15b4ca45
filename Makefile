# SparkMonitor (Go) — build, run and test. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
JUPYTER := $(VENV)/bin/jupyter
BUILD   := build
PKG     := jupyter_config/sparkmonitor_go
CACHE   ?= $(HOME)/.cache/sparkmonitor-go
export SPARKMONITOR_CACHE := $(CACHE)
# Where `make install` puts the product: any Python environment that runs Jupyter Server.
PYTHON  ?= python3
# Port of the demo JupyterLab.
PORT    ?= 8888

GO_SOURCES  := $(shell find cmd config socket spark proxy -name '*.go' -not -name '*_test.go' 2>/dev/null) $(shell find spark -path '*/static/*' 2>/dev/null) go.mod go.sum
JAVA_SOURCES := $(shell find listener/src/main -type f 2>/dev/null) listener/build.sh
EXT_SOURCES := $(shell find extension-js/src extension-js/style extension-js/schema -type f 2>/dev/null) extension-js/package.json extension-js/tsconfig.json

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

.PHONY: bootstrap
bootstrap: ## Install what the project needs (JDK if missing, chromium, .venv with the test and docs tools); idempotent, cached in $(CACHE)
	bash scripts/bootstrap.sh --browser

$(PY): requirements.txt docs/requirements.txt scripts/bootstrap.sh
	bash scripts/bootstrap.sh
	@touch $(PY)

$(BUILD)/sparkmonitor: $(GO_SOURCES)
	@mkdir -p $(BUILD)
	CGO_ENABLED=0 go build -trimpath -o $@ ./cmd/sparkmonitor

$(BUILD)/sparkmonitor-listener.jar: $(JAVA_SOURCES) | $(PY)
	bash listener/build.sh "$$($(PY) -c 'import pyspark, os; print(os.path.join(os.path.dirname(pyspark.__file__), "jars"))')" $@

extension-js/node_modules/.package-lock.json: extension-js/package-lock.json
	cd extension-js && npm ci --no-audit --no-fund --cache "$(CACHE)/npm"

$(PKG)/labextension/package.json: $(EXT_SOURCES) extension-js/node_modules/.package-lock.json | $(PY)
	cd extension-js && PATH="$(CURDIR)/$(VENV)/bin:$$PATH" npm run build

$(PKG)/bin/sparkmonitor: $(BUILD)/sparkmonitor
	@mkdir -p $(@D) && cp $< $@

$(PKG)/jars/sparkmonitor-listener.jar: $(BUILD)/sparkmonitor-listener.jar
	@mkdir -p $(@D) && cp $< $@

ARTIFACTS := $(PKG)/bin/sparkmonitor $(PKG)/jars/sparkmonitor-listener.jar $(PKG)/labextension/package.json

.PHONY: build
build: $(ARTIFACTS) ## Build the Go binary, the listener jar and the labextension

$(VENV)/.installed: $(ARTIFACTS) $(shell find jupyter_config -name '*.py' -o -name '*.toml' -o -name '*.svg' | grep -v tests/) | $(PY)
	$(PY) -m pip install -q --no-deps --no-build-isolation --force-reinstall ./jupyter_config
	@touch $@

.PHONY: install-dev
install-dev: $(PY) $(VENV)/.installed ## Build and install the product into the project's .venv

.PHONY: install
install: build ## Install into an existing Jupyter environment: make install PYTHON=/path/to/env/bin/python
	$(PYTHON) -m pip install ./jupyter_config
	$(PYTHON) -m pip install --no-deps --force-reinstall ./jupyter_config
	@echo "Installed. Restart Jupyter Server; 'Spark Monitor' appears in the launcher."

# The wheel users install: `pip install dist/sparkmonitor_go-*.whl` (docs/install.md). Built with hatchling and
# hatch-jupyter-builder from the artifacts `build` made (the wheel's build hook would build missing ones itself).
DIST := dist

.PHONY: dist
dist: build | $(PY) ## Build the wheel into dist/ (pip install dist/sparkmonitor_go-*.whl)
	rm -f $(DIST)/sparkmonitor_go-*.whl
	$(PY) -m pip wheel -q --no-deps --no-build-isolation -w $(DIST) ./jupyter_config
	@ls $(DIST)/sparkmonitor_go-*.whl

# Environments the packaging tests `pip install` the wheel into (integration/test_wheel.py, test_jupyterhub.py), cached
# in build/: requirements.txt without jupyter-server-proxy (the wheel must bring it) plus JupyterHub and its idle culler
# (integration/hub/requirements.txt), and one with PyPI sparkmonitor next to it. JupyterHub's proxy comes from npm.
WHEEL_VENV := $(BUILD)/venv-wheel
SIDE_VENV  := $(BUILD)/venv-side-by-side
CHP        := integration/hub/node_modules/.bin/configurable-http-proxy

$(WHEEL_VENV)/.installed: requirements.txt integration/hub/requirements.txt
	rm -rf $(WHEEL_VENV) && python3 -m venv $(WHEEL_VENV)
	grep -v '^jupyter-server-proxy==' requirements.txt > $(WHEEL_VENV)/requirements.txt
	$(WHEEL_VENV)/bin/pip install -q --cache-dir $(CACHE)/pip -r $(WHEEL_VENV)/requirements.txt \
		-r integration/hub/requirements.txt
	@touch $@

$(CHP): integration/hub/package-lock.json
	cd integration/hub && npm ci --no-audit --no-fund --cache "$(CACHE)/npm"
	@touch $@

$(SIDE_VENV)/.installed: requirements.txt
	rm -rf $(SIDE_VENV) && python3 -m venv $(SIDE_VENV)
	$(SIDE_VENV)/bin/pip install -q --cache-dir $(CACHE)/pip sparkmonitor==$(SWAN_VERSION) \
		"$$(grep '^jupyterlab==' requirements.txt)" "$$(grep '^jupyter-server-proxy==' requirements.txt)"
	@touch $@

.PHONY: test-envs
test-envs: $(WHEEL_VENV)/.installed $(SIDE_VENV)/.installed $(CHP) ## The cached environments of the packaging tests

.PHONY: demo
demo: install-dev ## Run JupyterLab with the extension, a local Spark and the example notebook
	@mkdir -p $(BUILD)/demo
	@[ -f $(BUILD)/demo/example.ipynb ] || cp examples/example.ipynb $(BUILD)/demo/example.ipynb
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(JUPYTER) lab --no-browser --ip=127.0.0.1 --port=$(PORT) --ServerApp.root_dir=$(BUILD)/demo \
		--LabApp.default_url=/lab/tree/example.ipynb $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# The docs site (Sphinx + MyST, docs/requirements.txt). The build is the link check, offline and deterministic: a fresh
# environment every time (-E -a, so no warning hides in a cache), nitpicky (-n), every warning an error (-W): a link to
# a missing page, heading or image fails it. docs/check_links.py checks the Markdown files outside the site the same way.
# bootstrap.sh installs docs/requirements.txt into .venv when a requirements file changed (a hash), else does nothing.
DOCS_OUT := $(BUILD)/docs

.PHONY: docs
docs: ## Build the docs site into build/docs/html; a broken internal link, anchor or image fails it
	@bash scripts/bootstrap.sh
	$(PY) docs/check_links.py README.md jupyter_config/README.md
	rm -rf $(DOCS_OUT)
	$(PY) -m sphinx -E -a -W --keep-going -n -q -b html -d $(DOCS_OUT)/doctrees docs $(DOCS_OUT)/html
	@echo "docs: $(DOCS_OUT)/html/index.html"

# The pictures of the docs: the browser tests take them while they check the product (integration/docs_screenshots.py).
DOCS_SHOTS := integration/test_cell_monitor.py::test_run_all_shows_each_cells_jobs_live_and_final \
	integration/test_cell_views.py::test_timeline_of_a_20k_task_job_renders_sampled_with_exact_counts \
	integration/test_cell_views.py::test_executors_chart_shows_active_tasks_within_the_cores \
	integration/test_cancel.py::test_links_and_cancel \
	integration/test_profiles.py::test_profiles_are_chosen_in_the_notebook_and_reach_the_next_spark_session \
	integration/test_history.py::test_past_application_comes_back_after_a_monitor_restart \
	integration/test_plan_view.py::test_plan_graph_under_the_cell_live_then_equal_to_spark \
	integration/test_cell_line.py integration/test_failure_card.py integration/test_waits.py \
	integration/test_cell_logs.py integration/test_streaming.py

.PHONY: docs-images
docs-images: install-dev ## Re-take the docs' screenshots (docs/images/) with the browser tests, and re-draw the P1 plot
	SPARKMONITOR_DOCS_SCREENSHOTS=1 $(PY) -m pytest -q $(DOCS_SHOTS)
	$(PY) docs/plot_p1.py

# Linters (issue 22): Go (golangci-lint, .golangci.yml), TypeScript and CSS (ESLint, Prettier, Stylelint in
# extension-js), Python (ruff, ruff.toml), Java (google-java-format). `make test` runs them all.
GOLANGCI := $(CACHE)/bin/golangci-lint-v2.15.0

.PHONY: lint lint-go lint-js lint-py lint-java
lint: lint-go lint-js lint-py lint-java ## Run every linter and format check (Go, TypeScript/CSS, Python, Java)

$(GOLANGCI): scripts/bootstrap.sh
	bash scripts/bootstrap.sh

lint-go: $(GOLANGCI)
	$(GOLANGCI) run ./...

lint-js: extension-js/node_modules/.package-lock.json
	cd extension-js && npm run lint:check

# Every Python file of the repository (ruff.toml excludes .venv, build, node_modules and caches); ruff is pinned in
# requirements.txt. Fix with `$(PY) -m ruff check --fix .` and `$(PY) -m ruff format .`.
lint-py: $(PY)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

lint-java:
	bash listener/format.sh --check

# The inner loop (issue 22): Go, extension and Python unit tests, no browser and no end-to-end test; about 2 minutes
# on the 2-core development machine (go test 40 s, npm test 4 s, jupyter_config/tests 70 s, measured 2026-12-07).
.PHONY: test-fast
test-fast: install-dev extension-js/node_modules/.package-lock.json ## Go, extension and Python unit tests only (about 2 min): the inner loop
	go vet ./...
	go test -count=1 ./...
	cd extension-js && npm test
	$(PY) -m pytest -q -p no:cacheprovider jupyter_config/tests

.PHONY: test
test: bootstrap install-dev spark-runtimes dist test-envs docs lint ## Run every test: docs, Go, listener (real JVM), Python, extension, end-to-end (JupyterLab + Spark + Chromium)
	go vet ./...
	go test -race -count=1 ./...
	# Fuzzing is bounded by a count of runs, not a time: with a time, Go 1.26's fuzz coordinator can report its own
	# deadline as a failure ("context deadline exceeded", no failing input) on a loaded host (go.dev/issue/75804).
	# The counts are about 20 s (15 s for FuzzAPI and FuzzIngestHandshake) on the 2-core CI machine.
	go test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 600000x ./spark/event
	go test -run '^$$' -fuzz '^FuzzDecodeMatchesReference$$' -fuzztime 450000x ./spark/event
	go test -run '^$$' -fuzz '^FuzzAPI$$' -fuzztime 40000x ./spark/api
	go test -run '^$$' -fuzz '^FuzzIngestHandshake$$' -fuzztime 100000x ./spark/ingest
	# The event flood at full size (2M tasks): -race above runs a smaller one (spark/ingest/flood_size*_test.go).
	go test -count=1 -run '^TestEventFlood$$' ./spark/ingest
	# Hostile texts (issue 21), skipped under -race: 1 500 jobs of 1 MB descriptions, a 1.2 GB zstd upload.
	go test -count=1 -run '^(TestHugeDescriptionsAreCutAndCostNothing|TestHostileUploadIsCutWhenOpenedAndAtEachStart)$$' \
		./spark/ingest ./spark/history
	bash listener/test.sh
	cd extension-js && npm test
	$(PY) -m pytest -q jupyter_config/tests integration

# Spark 3.5 (Scala 2.12 and 2.13) and 4.0 for integration/test_spark_versions.py, cached in $(CACHE)/spark-runtimes.
.PHONY: spark-runtimes
spark-runtimes: ## Install the Spark 3.5 (Scala 2.12, 2.13) and 4.0 runtimes the listener jar is tested in (cached)
	bash scripts/spark_runtimes.sh

# The published sparkmonitor package (swan-cern), in its own venv, for the side-by-side listener benchmark (P1).
SWAN_VERSION := 3.3.0
SWAN_VENV    := $(CACHE)/bench/venv-sparkmonitor-$(SWAN_VERSION)

.PHONY: bench
bench: bootstrap install-dev $(SWAN_VENV)/.installed ## Benchmarks (not tests), issues 5 and 21, P1-P6: writes build/bench/table.md for docs/benchmarks.md (about 50 min)
	@mkdir -p $(BUILD)/bench && rm -f $(BUILD)/bench/*.json
	go test -run '^$$' -bench . -benchmem -cpu 1 -count 3 ./... | tee $(BUILD)/bench/go.txt
	$(PY) integration/bench/bench_proxy.py
	$(PY) integration/bench/bench_idle.py
	$(PY) -m pytest -q -p no:cacheprovider -o python_files='bench_*.py' integration/bench/bench_browser.py
	$(PY) integration/bench/bench_listener.py --swan-python $(SWAN_VENV)/bin/python
	$(PY) integration/bench/table.py
	@echo "make bench-hostile: the monitor's peak RSS after each hostile input of issue 21 (not in this table)"

.PHONY: bench-hostile
bench-hostile: $(BUILD)/sparkmonitor ## The monitor's peak RSS (VmHWM) after each hostile input of issue 21: a Markdown table (about 5 min)
	@mkdir -p $(BUILD)/bench
	python3 integration/bench/hostile_rss.py --binary $(BUILD)/sparkmonitor | tee $(BUILD)/bench/hostile_rss.md

$(SWAN_VENV)/.installed: requirements.txt
	rm -rf $(SWAN_VENV) && python3 -m venv $(SWAN_VENV)
	$(SWAN_VENV)/bin/pip install -q --cache-dir $(CACHE)/pip sparkmonitor==$(SWAN_VERSION) \
		"$$(grep '^pyspark==' requirements.txt)"
	@touch $@

.PHONY: clean
clean: ## Remove build outputs (keeps .venv and the download cache)
	rm -rf $(BUILD) $(DIST) $(PKG)/bin $(PKG)/jars $(PKG)/labextension extension-js/lib $(VENV)/.installed

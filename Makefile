# The README's commands. Each target installs what it needs on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# The NHS.UK frontend: our own CSS build (clients/web/nhsuk.scss: the core and only the
# components our pages use) and the package's assets (logo, icons) as they are. Its
# JavaScript is not served: no page of ours initialises an NHS.UK component's script.
NHSUK_CSS  := hub/web/static/nhsuk/nhsuk.min.css
NHSUK_ASSETS := hub/web/static/nhsuk/.assets-stamp
NHSUK_DIST := clients/web/node_modules/nhsuk-frontend/dist/nhsuk
NPM_STAMP  := clients/web/node_modules/.installed-stamp

# The test suites talk to this machine's PostgreSQL and Redis. Set either to empty to skip
# that suite on a laptop without the service; CI sets them and never skips.
HUB_TEST_DATABASE_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
HUB_TEST_REDIS_URL    ?= redis://127.0.0.1:6379/15
export HUB_TEST_DATABASE_URL HUB_TEST_REDIS_URL

.PHONY: run test install assets system lint schemas clean bench-signalling

run: install assets
	$(BIN)/telehub db upgrade
	$(BIN)/telehub demo
	$(BIN)/telehub serve

# The suite runs two tests at a time (pytest-xdist: each test has its own database schema,
# ports and broker namespace), then the fault suite (tests/faults: real hub processes killed
# and drained, nginx, a Redis of its own), two scenarios at a time; -rA prints their timings.
test: install assets system
	$(BIN)/pytest --ignore=tests/faults -n 2
	$(BIN)/pytest tests/faults -n 2 -rA

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian packages the tests drive: headless Chromium and Firefox ESR (browser tests; Firefox
# over WebDriver BiDi with npm puppeteer-core, tests/e2e/test_firefox.py), pdftoppm (PDF checks),
# and for the fault suite nginx (in front of two hub processes) and redis-server (its own,
# killed mid-test); coturn, the TURN server a relayed call goes through (tests/e2e/test_turn.py).
system:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	test -x /usr/bin/firefox-esr || missing="$$missing firefox-esr"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v turnserver >/dev/null || missing="$$missing coturn"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

assets: $(NHSUK_CSS) $(NHSUK_ASSETS)

# npm ci empties node_modules first, so the stamp inside it goes with it.
$(NPM_STAMP): clients/web/package.json clients/web/package-lock.json
	npm ci --prefix clients/web --no-audit --no-fund --loglevel=error
	touch $@

$(NHSUK_ASSETS): $(NPM_STAMP)
	rm -rf hub/web/static/nhsuk/assets
	mkdir -p hub/web/static/nhsuk
	cp -R $(NHSUK_DIST)/assets hub/web/static/nhsuk/
	touch $@

# Compiled by npm sass (pinned in clients/web/package.json), then its fonts pointed at the
# hub itself, not assets.nhs.uk (see hub/web/self_host.py); rebuilt when the entry, the
# package or a font in hub/web/static/fonts/ changes.
$(NHSUK_CSS): clients/web/nhsuk.scss hub/web/self_host.py $(NPM_STAMP) $(wildcard hub/web/static/fonts/*)
	mkdir -p hub/web/static/nhsuk
	clients/web/node_modules/.bin/sass --load-path=clients/web/node_modules --style=compressed \
	  --no-source-map clients/web/nhsuk.scss $@.tmp
	$(PYTHON) hub/web/self_host.py $@.tmp
	mv $@.tmp $@

# The screenshots in docs/screens/ and the tablet's call set-up table in docs/performance.md
# are written by these targets only; make test leaves every tracked file as it found it.
.PHONY: screens bench-call-setup
# make screens runs the browser tests that take a screenshot (shoot or screenshot), two at a
# time, but not the call set-up measurement (make bench-call-setup writes that table).
SCREEN_TESTS = $(shell grep -lE 'await (shoot|screenshot)[^a-z_]' tests/e2e/*.py)
screens: install assets system
	HUB_WRITE_DOCS=1 $(BIN)/pytest $(SCREEN_TESTS) -q -n 2 \
	  --deselect "tests/e2e/test_tablet.py::test_accept_to_first_frame_is_close_to_a_direct_connection"

bench-call-setup: install assets system
	HUB_WRITE_DOCS=1 $(BIN)/pytest -q -s \
	  "tests/e2e/test_tablet.py::test_accept_to_first_frame_is_close_to_a_direct_connection"

schemas: install
	$(BIN)/telehub schemas export

lint: install
	$(BIN)/ruff check hub schemas clients tests
	$(BIN)/mypy hub schemas

# Signalling relay: the hub beside a bare aiohttp relay, idle sockets, queue fan-out.
# Prints the table and records it in docs/performance.md (ARGS=--quick for a short run).
bench-signalling: install
	$(BIN)/python -m benchmarks.signalling $(ARGS)

# Monthly report at national scale (15,000 sites, 5M calls over 3 years; ARGS=--histories
# 36,72 adds a 6-year history beside it) on SQLite and the PostgreSQL at
# HUB_TEST_DATABASE_URL: one commissioner's report next to a plain scan of its month's rows,
# the hub-wide report next to a scan of every site's. SCALE=0.2 for a quicker run. Writes
# its table to docs/performance.md ("### Reports with kept counts").
.PHONY: bench-reports
bench-reports: install
	HUB_WRITE_DOCS=1 $(BIN)/python benchmarks/bench_reports.py --scale $(or $(SCALE),1) --pg "$(HUB_TEST_DATABASE_URL)" $(ARGS)

# Re-registration of 20 clients in calls and 2,000 idle tablets after a hub kill -9 and
# restart, and failover between two hubs behind nginx (real `telehub serve` processes, the
# PostgreSQL at HUB_TEST_DATABASE_URL, a redis-server of its own). IDLE=200 for a quicker
# run. Writes its table to docs/performance.md ("## Restarts and failover").
.PHONY: bench-restart
bench-restart: install system
	HUB_WRITE_DOCS=1 $(BIN)/python benchmarks/bench_restart.py --idle $(or $(IDLE),2000) --pg "$(HUB_TEST_DATABASE_URL)" $(ARGS)

# Message delivery, send to shown, across two hub processes on one Redis against the floor of
# the same clients on one process, alternately in the same run (real `telehub serve`
# processes, the PostgreSQL at HUB_TEST_DATABASE_URL, a redis-server of its own). Writes its
# table to docs/performance.md ("### Cross-process delivery").
# Hub CPU per registration, this tree against main in the same run (issue 16).
.PHONY: bench-registration
bench-registration: install system
	HUB_WRITE_DOCS=1 $(BIN)/python benchmarks/bench_registration.py --count $(or $(COUNT),300) --pg "$(HUB_TEST_DATABASE_URL)" $(ARGS)

.PHONY: bench-delivery
bench-delivery: install system
	HUB_WRITE_DOCS=1 $(BIN)/python benchmarks/bench_delivery.py --pg "$(HUB_TEST_DATABASE_URL)" $(ARGS)

# A million-row call import (telehub import calls) into an empty SQLite database, then the
# same file again (nothing may change). ROWS=200000 for a quicker run; ARGS=--pg URL adds
# PostgreSQL. Results: docs/performance.md.
.PHONY: bench-import
bench-import: install
	$(BIN)/python benchmarks/bench_import.py --rows $(or $(ROWS),1000000) $(ARGS)

# Lighthouse (mobile, slow 4G) on the tablet, call, console and report pages beside the
# sign-in page, against the hub with demo data (issue 17 item 15). Installs its own
# Lighthouse in benchmarks/pages (not part of make test). Results: docs/performance.md.
.PHONY: bench-pages
bench-pages: install assets system
	npm ci --prefix benchmarks/pages --no-audit --no-fund --loglevel=error
	HUB_WRITE_DOCS=1 $(BIN)/python -m benchmarks.bench_pages

clean:
	rm -rf $(VENV) clients/web/node_modules hub/web/static/nhsuk var

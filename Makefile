# Every target creates the virtual environment and installs what it needs when it is missing, so
# `make run` and `make test` work on a fresh clone. `make run` installs the app alone; the other
# targets add the development tools (the `dev` and `postgres` extras).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APP_STAMP := $(VENV)/.installed-app
DEV_STAMP := $(VENV)/.installed-dev
PORT ?= 5000
BASE_URL ?= http://127.0.0.1:$(PORT)
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST := $(BIN)/pytest -q scoring survey reports tests
# The wheel smoke test installs the built wheel here, outside the checkout.
WHEEL_VENV ?= $(or $(TMPDIR),/tmp)/ambassador-scan-wheel-venv

.PHONY: oidc-provider run test test-postgres smoke smoke-cluster smoke-wheel faults lint bench soak screenshots translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(APP_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,postgres]'
	touch $@ $(APP_STAMP)

run: $(APP_STAMP)
	$(BIN)/ambassador db upgrade
	BASE_URL=$(BASE_URL) $(BIN)/ambassador demo
	BASE_URL=$(BASE_URL) $(BIN)/ambassador serve --port $(PORT)

# The sign-in tests' OpenID provider: oidc-provider from npm, in tests/oidc. Without npm those
# tests skip and say why (in CI they fail).
OIDC_STAMP := tests/oidc/node_modules/.installed
$(OIDC_STAMP): tests/oidc/package-lock.json
	cd tests/oidc && npm ci --silent --no-audit --no-fund && touch node_modules/.installed

oidc-provider:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(OIDC_STAMP); \
	else echo "npm not found: the identity-provider tests will skip"; fi

test: $(DEV_STAMP) oidc-provider
	$(PYTEST)

test-postgres: $(DEV_STAMP) oidc-provider
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(PYTEST)

smoke: $(DEV_STAMP)
	$(BIN)/python deploy/smoke.py

# Two gunicorn servers behind nginx (Debian's package), sharing PostgreSQL and Redis.
smoke-cluster: $(DEV_STAMP)
	$(BIN)/python deploy/cluster.py

# Build the wheel, install it into a fresh virtual environment outside the checkout, and run the
# production smoke test against that install.
smoke-wheel: $(DEV_STAMP)
	rm -rf dist build $(WHEEL_VENV)
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir dist .
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/pip install --quiet "$$(ls dist/ambassador_scan-*.whl)[postgres]"
	$(BIN)/python deploy/smoke.py --venv $(WHEEL_VENV)
	$(BIN)/python deploy/cluster.py --venv $(WHEEL_VENV)
	$(BIN)/python deploy/faults.py --venv $(WHEEL_VENV)

# Workers, the database and Redis failing under the survey, the mail and the report files.
faults: $(DEV_STAMP)
	$(BIN)/python deploy/faults.py

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

bench: $(DEV_STAMP)
	$(BIN)/python bench/scoring.py
	$(BIN)/python bench/submit.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/mail.py
	$(BIN)/python bench/stats.py
	$(BIN)/python bench/portfolio.py
	$(BIN)/python bench/isolation.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/frozen_peers.py

soak: $(DEV_STAMP)
	$(BIN)/python bench/soak.py

# The README's pictures, from the demo, by Debian's Chromium.
screenshots: $(DEV_STAMP)
	$(BIN)/python deploy/screenshots.py

# After changing interface texts: update the catalogue, translate the new entries in
# translations/nl/LC_MESSAGES/messages.po, then run this again to compile.
translations: $(DEV_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --omit-header -w 100 \
		-o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations \
		--no-fuzzy-matching -w 100
	$(BIN)/pybabel compile --use-fuzzy -d translations  # fuzzy matching is off: only the header is

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info build dist tests/oidc/node_modules

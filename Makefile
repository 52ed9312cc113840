# Every target creates the virtual environment and installs the project when it is missing,
# so `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST := $(BIN)/pytest -q scoring survey reports tests

.PHONY: run test test-postgres smoke lint bench soak translations clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ambassador db upgrade
	$(BIN)/ambassador demo
	$(BIN)/ambassador serve

test: $(STAMP)
	$(PYTEST)

test-postgres: $(STAMP)
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(PYTEST)

smoke: $(STAMP)
	$(BIN)/python deploy/smoke.py

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/scoring.py
	$(BIN)/python bench/submit.py
	$(BIN)/python bench/report.py

soak: $(STAMP)
	$(BIN)/python bench/soak.py

# After changing interface texts: update the catalogue, translate the new entries in
# translations/nl/LC_MESSAGES/messages.po, then run this again to compile.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --omit-header \
		-o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations \
		--no-fuzzy-matching --omit-header
	$(BIN)/pybabel compile --use-fuzzy -d translations  # fuzzy matching is off: only the header is

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

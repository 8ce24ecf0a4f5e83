# Parta: `make demo` serves a demo school, `make test` lints and runs the suite.
# The interpreter .venv is made from (PYTHON=... overrides it): the first Python 3.11 with venv whose
# program holds the interpreter itself, as the distributions' /usr/bin/python3.11 does. A build that
# loads it from libpython3.11.so (pyenv's with --enable-shared) served the journal page with 25-30 %
# more CPU time (README: Developers -> Speed). python3 when no such Python 3.11 is found.
PYTHON ?= $(shell for candidate in python3.11 /usr/bin/python3.11 /usr/local/bin/python3.11; do \
	program=$$($$candidate -c 'import sys, ensurepip; assert sys.version_info[:2] == (3, 11); print(sys.executable)' \
		2>/dev/null) || continue; \
	ldd "$$program" 2>/dev/null | grep -q libpython || { echo "$$program"; exit 0; }; done; echo python3)
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app run
PORT ?= $(or $(PARTA_PORT),5000)
# Tests: pytest-xdist workers per run, and the fixed school dates of the date-sensitive tests
# (the first school day, a Sunday in the autumn holidays, the last day of the 2nd quarter, the last school day).
TEST_WORKERS ?= 2
TEST_DATES ?= 2026-09-01 2026-11-01 2026-12-28 2027-05-31
# Python writes its bytecode caches (__pycache__/, ignored by git) even where the environment says
# not to: each pytest process otherwise compiles and rewrites every test module again (16 s of its
# collection instead of 5), and `make test` starts eight of them.
unexport PYTHONDONTWRITEBYTECODE
PYTEST = $(PY) -m pytest -q -p no:cacheprovider $(if $(filter-out 0 1,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist worksteal) $(PYTEST_ARGS)

.PHONY: install test-tools translations messages db demo serve lint test test-sqlite test-postgres test-dates clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# axe-core for the browser tests' accessibility checks (package.json, pinned by package-lock.json);
# only the tests need it (and npm), not the demo or a school's server
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

test-tools: node_modules/.installed

translations: install
	$(VENV)/bin/pybabel compile -d translations

# Re-extract the app's strings and merge them into translations/ru (then translate the new ones).
messages: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -k Label --no-wrap -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations -l ru --no-fuzzy-matching --no-wrap

db: translations
	$(FLASK) db upgrade
	$(FLASK) sync-roles

# The demo: the web server and, beside it, the task queue's worker (background jobs, schedules),
# both stopped together.
demo: db
	$(FLASK) seed-demo --if-empty
	@echo "Parta: http://127.0.0.1:$(PORT)/"
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; PARTA_PORT=$(PORT) $(PY) run.py

serve: translations
	PARTA_PORT=$(PORT) $(PY) run.py

# ruff (ruff.toml): unused and undefined names, likely bugs; `make test` runs it first.
lint: install
	$(VENV)/bin/ruff check .

# The whole suite on PostgreSQL (PARTA_TEST_DATABASE_URL) and the rest on SQLite side by side, then the
# date-sensitive tests on each of TEST_DATES (tests/suite.sh); a summary names every run and its result.
test: lint translations test-tools
	PY=$(PY) TEST_WORKERS="$(TEST_WORKERS)" TEST_DATES="$(TEST_DATES)" bash tests/suite.sh

# One run at a time; PARTA_TODAY=YYYY-MM-DD puts it on that school date.
test-sqlite: translations test-tools
	PARTA_TEST_DATABASE_URL= $(PYTEST)

test-postgres: translations test-tools
	@test -n "$(PARTA_TEST_DATABASE_URL)" || { echo "PARTA_TEST_DATABASE_URL names no PostgreSQL server"; exit 1; }
	$(PYTEST)

test-dates: translations test-tools
	PY=$(PY) TEST_WORKERS="$(TEST_WORKERS)" TEST_DATES="$(TEST_DATES)" TEST_WHOLE=0 bash tests/suite.sh

clean:
	rm -rf $(VENV) .pytest_cache

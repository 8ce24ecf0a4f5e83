# Parta: `make demo` serves a demo school, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app run
PORT ?= $(or $(PARTA_PORT),5000)

.PHONY: install translations messages db demo serve test test-sqlite test-postgres clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

translations: install
	$(VENV)/bin/pybabel compile -d translations

# Re-extract the app's strings and merge them into translations/ru (then translate the new ones).
messages: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -k Label --no-wrap -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations -l ru --no-fuzzy-matching --no-wrap

db: translations
	$(FLASK) db upgrade
	$(FLASK) sync-roles

demo: db
	$(FLASK) seed-demo --if-empty
	@echo "Parta: http://127.0.0.1:$(PORT)/"
	PARTA_PORT=$(PORT) $(PY) run.py

serve: translations
	PARTA_PORT=$(PORT) $(PY) run.py

test: translations
	PARTA_TEST_DATABASE_URL= $(PY) -m pytest -q -p no:cacheprovider
	@if [ -n "$(PARTA_TEST_DATABASE_URL)" ]; then \
		echo "== the same suite on PostgreSQL =="; \
		$(PY) -m pytest -q -p no:cacheprovider; \
	else echo "PARTA_TEST_DATABASE_URL is not set: PostgreSQL run skipped"; fi

clean:
	rm -rf $(VENV) .pytest_cache

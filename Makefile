# The two commands a new user needs:  `make run`  and  `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first Python 3.12+ found: python3.13, python3.12, then pyenv's newest, then python3.
PYTHON := $(shell for p in python3.13 python3.12 \
	$$(ls -d $$(pyenv root 2>/dev/null || echo /nonexistent)/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV) \
	python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v $$p || echo $$p; } && break; done)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_TICKETS ?= 2000

.PHONY: help install run test test-postgres lint format checks chromium mailservers redis

help:
	@echo "make run    install, load demo data on SQLite, serve http://127.0.0.1:$(PORT)"
	@echo "make test   run the whole test suite (SQLite, or DATABASE_URL when set)"
	@echo "make lint   ruff (lint, format, complexity), django-upgrade and mypy"
	@echo "make checks migrations and deploy checks"

$(BIN)/.installed: pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (python3.13, python3.12 or pyenv)."; exit 1; }
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo --tickets $(DEMO_TICKETS) --if-empty
	@echo "Serving http://127.0.0.1:$(PORT)/  (sign in as demo / demo; Ctrl-C stops)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

chromium:
	@command -v chromium >/dev/null || test -x /usr/bin/chromium || { \
		echo "Installing Chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

# The email tests start a throwaway Dovecot (IMAP) of their own, never the system's service.
mailservers:
	@{ command -v dovecot || test -x /usr/sbin/dovecot; } >/dev/null && command -v openssl >/dev/null || { \
		echo "Installing Dovecot and OpenSSL for the email tests"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq dovecot-imapd openssl; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq dovecot-imapd openssl; fi; }

# The cache tests start a throwaway redis-server of their own, never the system's service.
redis:
	@test -x /usr/bin/redis-server || { \
		echo "Installing Redis for the cache tests"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq redis-server; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq redis-server; fi; }

test: install chromium mailservers redis
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	git ls-files -z '*.py' | xargs -0 $(BIN)/django-upgrade --target-version 6.1 --check
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	git ls-files -z '*.py' | xargs -0 $(BIN)/django-upgrade --target-version 6.1 || true

checks: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=false ALLOWED_HOSTS=helpdesk.example.com \
		SECRET_KEY=ci-only-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n') \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

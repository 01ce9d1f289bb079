# Entry points for developers and CI. Every target installs what it needs first (fast when nothing
# changed), so a fresh Debian 12 machine only needs `make test`.
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# Two test processes (pytest-xdist), one per core; XDIST= runs them in one.
XDIST ?= -n 2 --dist loadgroup

.DEFAULT_GOAL := help
.PHONY: help install run test lint format bench backup audit lock

help:
	@echo "make install  system packages + .venv (idempotent)"
	@echo "make run      migrate, load the demo company, start web + worker + beat"
	@echo "make test     lint, check PostgreSQL/Redis, pytest (PYTEST_ARGS='-k foo -x')"
	@echo "make lint     ruff check + ruff format --check"
	@echo "make format   ruff format + ruff check --fix"
	@echo "make bench    every benchmark on the ten-year archive and the module benches (fail past target + 20 %)"
	@echo "make backup   one archive of the database and the file store (BACKUP_DIR, else var/backups)"
	@echo "make audit    known vulnerabilities in the locked packages (pip-audit)"
	@echo "make lock     recompute requirements/*.lock from pyproject.toml (PIP_COMPILE_ARGS=--upgrade)"

install:
	@bash scripts/install.sh

run: install
	@bash scripts/run.sh

# Prerequisites chain (test -> lint -> install) so the order holds even under `make -j`.
test: lint
	@echo "==> checking PostgreSQL and Redis"
	@$(PY) scripts/check_services.py
	@echo "==> pytest $(XDIST) $(PYTEST_ARGS)"
	@$(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS)

lint: install
	@echo "==> ruff check"
	@$(VENV)/bin/ruff check .
	@echo "==> ruff format --check"
	@$(VENV)/bin/ruff format --check .

format: install
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

# Not part of `make test`: they want a quiet machine and build a ten-year archive the first time
# (about ten minutes; later runs copy it in seconds). Each exits non-zero when a figure is more than
# 20 % past its target; all run either way.
BENCHES := pages_bench load_bench writes_bench digest_bench alerts_bench reviews_bench training_bench calibration_bench inspection_bench auditpack_bench
bench: install
	@status=0; \
	for b in $(BENCHES); do echo "==> bench/$$b.py"; $(PY) bench/$$b.py || status=1; done; \
	exit $$status

backup: install
	@$(PY) manage.py backup

audit: install
	@bash scripts/audit.sh

# The lock files keep their pins unless pyproject.toml asks otherwise (or PIP_COMPILE_ARGS=--upgrade).
PIP_COMPILE := $(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(PIP_COMPILE_ARGS)
lock: install
	@CUSTOM_COMPILE_COMMAND="make lock" $(PIP_COMPILE) -o requirements/base.lock pyproject.toml
	@CUSTOM_COMPILE_COMMAND="make lock" $(PIP_COMPILE) --extra dev -o requirements/dev.lock pyproject.toml

# 同心 (tongxin): `make run` starts the demo, `make test` runs the suite.
# Needs GNU make, Python 3.11 and pip; everything else is installed into .venv.

SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install; the install reruns only when the lock
# file or pyproject.toml is newer.
STAMP := $(VENV)/.installed
DEMO_PERSONS ?= 2000

.PHONY: run install test lint browser-test bench lock

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "同心需要 Python 3.11，当前为 " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --disable-pip-version-check --no-deps -e .
	@touch $@

install: $(STAMP)

# The demo passwords work only with TONGXIN_DEMO=1 (see README).
run: export TONGXIN_DEMO := 1
run: install
	$(BIN)/tongxin migrate --noinput
	$(BIN)/tongxin collectstatic --noinput -v 0
	$(BIN)/tongxin demo --persons $(DEMO_PERSONS) --once
	@echo
	@echo "=============================================================="
	@echo " 同心演示环境  http://127.0.0.1:$${PORT:-8000}/"
	@echo " 演示账号（密码均为 tongxin-demo）："
	@echo "   admin      系统管理员"
	@echo "   province   自治区工作人员"
	@echo "   city       市级工作人员"
	@echo "   liuzhou    柳州市工作人员"
	@echo "   xingning   县区工作人员（兴宁区）"
	@echo "   jiedao     街道工作人员（兴宁区民生街道）"
	@echo "   leader     领导（只读）"
	@echo "   evaluator  评审人（只看分配的评分表）"
	@echo " 按 Ctrl-C 停止。"
	@echo "=============================================================="
	@echo
	$(BIN)/tongxin serve

# lint-imports: the layer contracts in pyproject.toml (docs/architecture.md).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -m "not browser" -n 2

browser-test: install
	$(BIN)/pytest -m browser

bench: install
	$(BIN)/python bench/bench_persons.py

# Re-resolve requirements.lock from pyproject.toml (keeps existing pins unless
# told otherwise, e.g. `make lock LOCK_ARGS=--upgrade-package=django`). Uses
# PyPI only, ignoring local pip configuration, so the hashes are PyPI's.
LOCK_ARGS ?=
lock: | $(BIN)/python
	$(BIN)/python -m venv $(VENV)/piptools
	$(VENV)/piptools/bin/pip install --quiet pip-tools
	PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= $(VENV)/piptools/bin/pip-compile \
		--generate-hashes --extra test --strip-extras --allow-unsafe \
		--index-url https://pypi.org/simple --no-emit-index-url \
		$(LOCK_ARGS) -o requirements.lock pyproject.toml

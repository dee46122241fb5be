# The two commands of the README:  `make book`  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PROFILE ?= standard

.PHONY: install browser book test clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: an unpinned torch would pull gigabytes of CUDA packages
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

## Build the whole book: install, execute every chapter (profile $(PROFILE)), render HTML from clean.
book: install
	$(BIN)/python -m varlib book --profile $(PROFILE)

## Debian's Chromium for the real-browser check (browser downloads are impossible here); skipped elsewhere.
browser:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
	  { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	    $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; } || \
	  echo "note: no chromium and no apt-get: the browser tests will be skipped"

## Install and run every test: the library, every chapter on the smoke profile, the strict build, the browser check.
test: install browser
	$(BIN)/python -m pytest

clean:
	rm -rf _build

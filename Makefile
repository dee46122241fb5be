# The two commands of the README:  `make book`  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PROFILE ?= standard

.PHONY: install book test clean

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

## Install and run every test: the library, every chapter on the smoke profile, the strict book build.
test: install
	$(BIN)/python -m pytest

clean:
	rm -rf _build

# pyvizzy: `make demo` builds the static site and serves it; `make test` runs the whole suite.
# Both set up everything they need on a fresh machine (a virtual environment in .venv).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# A CPU build of PyTorch for the embedding pipeline (the default resolver would pick a CUDA build).
TORCH_PIN ?= torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: venv system-deps test-deps test lint site demo serve bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH_PIN)"
	$(PY) -m pip install --quiet -e ".[app,embed,test,site]"
	touch $@

venv: $(STAMP)

system-deps:
	bash scripts/install_system_deps.sh

# axe-core for the accessibility tests, at the version and hash tests/a11y pins (npm ci checks
# the hash); never part of the site.
AXE := tests/a11y/node_modules/axe-core/axe.min.js
$(AXE): tests/a11y/package.json tests/a11y/package-lock.json | system-deps
	npm ci --prefix tests/a11y --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

test-deps: $(AXE)

lint: venv
	$(PY) -m ruff check .

test: venv system-deps test-deps lint
	$(PY) -m pytest

site: venv
	$(PY) -m pyvizzy build --out site

demo: site
	$(PY) -m pyvizzy serve site --port $(PORT)

serve:
	$(PY) -m pyvizzy serve site --port $(PORT)

bench: site
	$(PY) scripts/bench_algorithm.py
	$(PY) scripts/bench_app.py
	$(PY) scripts/bench_site.py --site site

clean:
	rm -rf site build dist .pytest_cache .ruff_cache

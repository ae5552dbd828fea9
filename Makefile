# Two commands on a fresh machine (Python 3.11+, git, make):
#   make run    set up .venv, run the main job on the bundled samples, plan the sample district portfolio
#   make test   set up .venv, run ruff, mypy and the whole test suite (what CI runs)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-fast lint typecheck bench wheel templates system-deps test-all clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/renewal --lang en batch samples --out report --fail-on never
	$(BIN)/renewal --lang en bundle portfolios/district_bundling.xlsx --out plan --max-size 3

lint: $(STAMP)
	$(BIN)/ruff check .

# mypy, configured in pyproject.toml ([tool.mypy]): strict for renewal/, xl_addin/ and renewal_cli/.
typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest

# The tests not marked slow (tests/conftest.py marks those using the slow session fixtures): for
# working; `make test` (what CI runs) runs everything.
test-fast: lint typecheck
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_cashflow.py
	$(BIN)/python benchmarks/bench_udfs.py
	$(BIN)/python benchmarks/bench_bundling.py
	$(BIN)/python benchmarks/bench_financing.py

# Regenerate the committed templates and samples (a test checks they equal what this writes).
templates: $(STAMP)
	$(BIN)/renewal template build

# The README picture: the Jinsong North sample's Results page, rendered by LibreOffice.
docs/jinsong_north.png: samples/jinsong_north.xlsx
	mkdir -p .bench
	soffice --headless --convert-to pdf --outdir .bench samples/jinsong_north.xlsx
	pdftoppm -r 100 -f 13 -l 13 -x 35 -y 50 -W 1010 -H 720 -png -singlefile .bench/jinsong_north.pdf docs/jinsong_north

# The README picture of the What-if sheet (the sample's last page).
docs/jinsong_north_whatif.png: samples/jinsong_north.xlsx
	mkdir -p .bench
	soffice --headless --convert-to pdf --outdir .bench samples/jinsong_north.xlsx
	pdftoppm -r 100 -f 14 -l 14 -x 30 -y 45 -W 1020 -H 730 -png -singlefile .bench/jinsong_north.pdf docs/jinsong_north_whatif

# The pure-Python wheel (numpy its only requirement) for xlwings Lite's requirements.txt.
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --no-deps --wheel-dir dist .

# Large system programs some tests use when present (they skip cleanly when absent).
system-deps:
	apt-get update && apt-get install -y --no-install-recommends libreoffice-calc gnumeric chromium poppler-utils fonts-noto-cjk

test-all: system-deps test

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis

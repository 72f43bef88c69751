# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-all install lock review screenshots train-ner train-ner-crf train-ner-resume bench clean

# constraints.txt pins every dependency to the versions the project was last tested with (`make lock`), so
# two installs a month apart get the same packages.
$(STAMP): pyproject.toml constraints.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test,lexicon]"
	touch $(STAMP)

install: $(STAMP)

# Refresh constraints.txt from the working virtualenv (after adding or upgrading a dependency and testing it).
lock: $(STAMP)
	$(BIN)/pip install --quiet -e ".[test,lexicon]"
	$(BIN)/pip freeze --exclude-editable > constraints.txt

run: $(STAMP)
	$(BIN)/zh-extract run --corpus corpus --outputs outputs

# The review site (static HTML, no network) from the tables of `make run`; open review/index.html.
review: $(STAMP)
	$(BIN)/zh-extract review --outputs outputs --out review

# docs/review-index.png and docs/review-article.png, taken with Debian's chromium (scripts/setup_browser.sh).
screenshots: review
	$(BIN)/python scripts/screenshots.py --site review --out docs

# The fast default: unit and case tests (under two minutes). Tests that run the flow are marked slow.
test: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# Everything, the flow, Prefect server, Dask, serve and crash tests included (what CI runs).
test-all: $(STAMP)
	$(BIN)/python -m pytest -q

# Retrain the entity model from ../shared/ner (about an hour on one core; not part of the tests).
train-ner: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python scripts/train_ner.py --data ../shared/ner --output src/extract/ner/models/ner --minutes 68 --gazetteer

# Retrain the CRF entity model from ../shared/ner (about 40 minutes on one core; not part of the tests).
train-ner-crf: $(STAMP)
	$(BIN)/pip install --quiet -e ".[train]"
	$(BIN)/python scripts/train_ner_crf.py --data ../shared/ner --output src/extract/ner/models/ner_crf/model.npz --iterations 200

# Continue training the shipped model; writes checkpoints to /tmp/ner_resume for comparison before shipping.
train-ner-resume: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python scripts/train_ner.py --data ../shared/ner --resume src/extract/ner/models/ner --output /tmp/ner_resume --minutes 45

bench: $(STAMP)
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf outputs/*/ outputs/_state outputs/_staging .state

# kgqa: `make run` starts the chat on the embedded film KG; `make test` runs the test suite.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check -c constraints.txt
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export TOKENIZERS_PARALLELISM := false
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: run test install install-test index lint bench clean screenshot

$(VENV)/bin/python:
	python3 -m venv $(VENV)

# torch first and pinned: this machine serves a CPU wheel for 2.13.0; anything unpinned pulls CUDA.
$(VENV)/.installed: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP) torch==2.13.0
	$(PIP) -e .
	$(PY) -c "import torch; assert torch.version.cuda is None, 'a CUDA build of torch was installed'"
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

index: install
	$(VENV)/bin/kgqa index

run: index
	$(VENV)/bin/kgqa chat --host $(HOST) --port $(PORT)

test: install-test
	$(PY) -m pytest -q

# the README's chat screenshot (docs/screenshot-chat.png), taken by the browser test; `make test` never rewrites it
screenshot: install-test
	KGQA_SCREENSHOT=1 $(PY) -m pytest -q tests/ui/test_browser.py -k answer_cards_cited_paths

lint: install-test
	$(VENV)/bin/ruff check .

bench: install
	$(PY) bench/index.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

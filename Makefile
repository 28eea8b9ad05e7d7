# Two commands do everything on a fresh machine:
#   make demo   train Mini-Net, evaluate it and predict masks (the embedded CC0 nuclei set, or
#               $LITEMEDSEG_DATA/DSB2018 when LITEMEDSEG_DATA is set)
#   make test   the test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CLI := $(PY) -m litemedseg
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo_output

.PHONY: install test demo clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
	@touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q

demo: $(STAMP)
	@set -e; \
	if [ -n "$$LITEMEDSEG_DATA" ]; then data="$$LITEMEDSEG_DATA/DSB2018"; epochs=12; else data=demo; epochs=40; fi; \
	images="$$data/images"; [ "$$data" = demo ] && images=src/litemedseg/data/demo/dsb2018_mini/images; \
	echo "== 1/3 train Mini-Net on $$data ($$epochs epochs, 128x128)"; \
	$(CLI) train --config configs/demo.yaml --data "$$data" --epochs $$epochs --output $(DEMO_DIR) --name run --overwrite; \
	echo "== 2/3 evaluate on the test split"; \
	$(CLI) evaluate --weights $(DEMO_DIR)/run/best --data "$$data" --split test --output $(DEMO_DIR)/evaluation; \
	echo "== 3/3 predict masks for the images"; \
	$(CLI) predict --weights $(DEMO_DIR)/run/best --input "$$images" --output $(DEMO_DIR)/predictions --overlay; \
	echo "done: $(DEMO_DIR)/run (checkpoints, metrics.csv), $(DEMO_DIR)/evaluation (report.md), $(DEMO_DIR)/predictions"

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache

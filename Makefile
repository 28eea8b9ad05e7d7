# Two commands do everything on a fresh machine:
#   make demo   train Mini-Net for a CPU-time budget, evaluate it and predict masks (the embedded CC0 nuclei
#               set, or $LITEMEDSEG_DATA/DSB2018 when LITEMEDSEG_DATA is set); ends with its time and score
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
	@data=demo; [ -n "$$LITEMEDSEG_DATA" ] && data="$$LITEMEDSEG_DATA/DSB2018"; \
	$(PY) tools/run_demo.py --data "$$data" --output $(DEMO_DIR)

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache

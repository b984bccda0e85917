# Integration Hub: `make run` starts the module with demo data, `make test` runs every
# test. Both set up what they need on first use (see dev/hub.py for the settings).
PYTHON ?= python3
NAME ?=

.PHONY: run test bench setup wheel screenshots

run:
	$(PYTHON) dev/hub.py run

test:
	$(PYTHON) dev/hub.py test

bench:
	$(PYTHON) dev/hub.py bench $(NAME)

setup:
	$(PYTHON) dev/hub.py setup

wheel:
	$(PYTHON) dev/hub.py wheel

# The pictures of static/description/, taken in headless Chromium on demo data.
screenshots:
	$(PYTHON) dev/hub.py screenshots

# fortress.nginx — every entry point installs what it needs (venv, Docker engine, base images).
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help venv docker images test test-fast lint sanity units filters vagrant demo bench lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

venv: ## create/refresh .venv from the pinned requirements.txt
	@bash scripts/ensure-venv.sh

docker: ## install and start a Docker engine when none answers
	@bash scripts/ensure-docker.sh

images: docker ## build the local Debian 11/12/13 base images (only the missing ones)
	@bash scripts/ensure-images.sh bookworm bullseye trixie

test: venv ## everything: lint, sanity, units, filters, browser, build, integration, every Molecule scenario
	@bash scripts/test.sh full

test-fast: venv ## everything but the Molecule scenarios
	@bash scripts/test.sh fast

lint sanity units filters: venv ## one stage of the test suite
	@bash scripts/test.sh $@

vagrant: venv ## the Vagrant scenario alone (a real Debian VM over SSH, QEMU emulation)
	@bash scripts/test.sh molecule:vagrant

demo: venv ## local target container: harden it, attack it, show the bans and the report
	@bash scripts/demo.sh

bench: venv ## run the benchmarks in bench/ (prints figures, asserts nothing)
	@bash scripts/bench.sh

lock: venv ## re-resolve requirements.in into the pinned requirements.txt
	@.venv/bin/pip install -q -r requirements.in && \
	  { echo "# Full pinned set, generated from requirements.in by 'make lock' (pip freeze)."; \
	    .venv/bin/pip freeze --disable-pip-version-check | grep -v '^-e'; } > requirements.txt

clean: ## remove build outputs (keeps .venv and the images)
	rm -rf .build tests/output

# platform_ops.aws — developer entry points. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
COLLECTION_LINK := .local/collections/ansible_collections/platform_ops/aws
INVENTORY ?= inventories/local
# Test processes: molecule scenarios and playbook runs mostly wait on the emulator and on sleeps.
PYTEST_WORKERS ?= 3
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help setup local-up local-down local-status local-deploy local-destroy test lint unit molecule integration sanity bench build clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(COLLECTION_LINK):
	@mkdir -p $(dir $@)
	@ln -sfn ../../../.. $@

setup: $(STAMP) $(COLLECTION_LINK) ## Create .venv with pinned deps, install PostgreSQL and Redis when missing; resolve platform_ops.aws
	@scripts/system_deps.sh
	@$(BIN)/ansible-galaxy collection list platform_ops.aws 2>/dev/null | grep -q platform_ops.aws || { echo "platform_ops.aws is not resolvable" >&2; exit 1; }
	@echo "setup: ready (ansible-core $$($(BIN)/python -c "import ansible.release as r; print(r.__version__)"))"

local-up: setup ## Start the local emulated stack on loopback (moto server, PostgreSQL, Redis, search stand-in, the local Fargate that runs the ECS tasks)
	@$(BIN)/python scripts/local_stack.py up

local-down: ## Stop the local emulated stack
	@$(BIN)/python scripts/local_stack.py down

local-status: ## Show what runs in the local stack
	@$(BIN)/python scripts/local_stack.py status

# The first install as on AWS: the repositories, the images pushed into them (the local docker push),
# then the whole deploy. IMAGE_TAG=<tag> pushes and deploys that tag instead of the inventory's.
local-deploy: local-up ## Create the ECR repositories, push the images, run the whole deploy.yml, print a summary
	$(BIN)/ansible-playbook deploy.yml -i $(INVENTORY) --tags repositories
	$(BIN)/python scripts/local_stack.py push-images $(INVENTORY) $(if $(IMAGE_TAG),--tag $(IMAGE_TAG))
	$(BIN)/ansible-playbook deploy.yml -i $(INVENTORY) $(if $(IMAGE_TAG),-e platform_image_tag=$(IMAGE_TAG)) $(ARGS)
	$(BIN)/ansible-playbook playbooks/outputs.yml -i $(INVENTORY)

local-destroy: local-up ## Destroy everything the local deploy created
	$(BIN)/ansible-playbook playbooks/destroy.yml -i $(INVENTORY) -e confirm_destroy=$$($(BIN)/python scripts/local_stack.py stack-id $(INVENTORY))

lint: setup ## ruff, yamllint, ansible-lint (production profile)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/yamllint -s .
	$(BIN)/ansible-lint

sanity: setup ## ansible-test sanity (validate-modules and friends) on a copy in ansible_collections/
	@$(BIN)/python scripts/sanity.py

# lint runs beside the tests (its output is printed when it ends); either failing fails the target.
test: setup ## Everything CI runs: lint, sanity, unit, molecule, integration (one pytest summary)
	@mkdir -p .local
	@$(MAKE) --no-print-directory lint > .local/lint.log 2>&1 & lint=$$!; \
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=60 tests; tests=$$?; \
	wait $$lint; linted=$$?; echo "== lint (ran beside the tests): exit $$linted"; cat .local/lint.log; \
	exit $$(( tests != 0 || linted != 0 ))

unit: setup ## Unit tests only: pure, no emulator or server (tests/unit)
	$(BIN)/pytest tests/unit

integration: setup ## Modules, filters and molecule scenarios against the moto server (tests/integration)
	$(BIN)/pytest -n $(PYTEST_WORKERS) tests/integration

molecule: setup ## Molecule scenarios only (driven by pytest)
	$(BIN)/pytest tests/integration/molecule

e2e: setup ## Whole playbooks on the local stack (tests/e2e)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup tests/e2e

bench: setup ## Cold and no-op deploy on a fresh local stack; prints the bench line
	$(BIN)/python benchmarks/bench.py $(ARGS)

build: setup ## Build the collection tarball
	$(BIN)/ansible-galaxy collection build --force --output-path .local/dist .

clean: local-down ## Remove local state (keeps .venv)
	rm -rf .local/state .local/dist

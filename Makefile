# EchoChat — build, run and test. See docs/running.md.
#
#   make deps            install missing Debian packages (scripts/deps.sh)
#   make build           Release build in $(BUILD_DIR) (default build/)
#   make build-debug     Debug build in build-debug/
#   make build-asan      Debug + ASan/UBSan build in build-asan/
#   make up | down | status | run     local stack in $(RUN_DIR) (default .run/)
#   make test            everything; ends with one line "N passed, N failed"
#   make test-unit | test-proto | test-system | test-e2e | test-frontend | test-fault
#   make test-deploy | test-container | soak
#   make screenshots     the e2e suite, rewriting docs/screenshots/ (shown in README)
#   make createsuperuser USERNAME=... PASSWORD=... [EMAIL=...]
#   make fuzz            libFuzzer targets, FUZZ_SECONDS (default 30) each
#   make clean | fmt | lint
#
# SANITIZE=1 switches the stack (and the system tests) to the ASan+UBSan daemons
# in build-asan/.

SHELL := /bin/bash
.DEFAULT_GOAL := help

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD_DIR ?= build-asan
BUILD_KIND := asan
else
BUILD_DIR ?= build
BUILD_KIND := release
endif
RUN_DIR ?= $(or $(ECHOCHAT_RUN_DIR),$(CURDIR)/.run)
PYTHON ?= /usr/bin/python3

export SANITIZE BUILD_DIR PYTHON
STACK := ECHOCHAT_RUN_DIR="$(RUN_DIR)" scripts/stack.sh

.PHONY: help deps build build-debug build-asan run up down status \
        test test-unit test-proto test-system test-e2e test-frontend test-fault test-deploy \
        test-container screenshots soak \
        createsuperuser clean fmt lint fuzz

help:
	@sed -n '2,18p' Makefile | sed 's/^# \{0,1\}//'

deps:
	scripts/deps.sh

build:
	scripts/build.sh $(BUILD_KIND) $(BUILD_DIR)

build-debug:
	scripts/build.sh debug build-debug

build-asan:
	scripts/build.sh asan build-asan

up: deps build
	$(STACK) up

run: deps build
	$(STACK) run

down:
	$(STACK) down

status:
	@$(STACK) status

# The full suite: CI runs exactly this (.ci/run).
test: deps
	scripts/test.sh all

test-unit:
	scripts/test.sh unit unit-asan

test-proto:
	scripts/test.sh proto

test-system:
	scripts/test.sh system

test-e2e:
	scripts/test.sh e2e

test-frontend:
	scripts/test.sh frontend

test-fault:
	scripts/test.sh fault

test-deploy:
	scripts/test.sh deploy

# 30 minutes of mixed load on the ASan+UBSan stack (SOAK_MINUTES); not in make test.
soak: build-asan
	scripts/soak.sh

test-container:
	scripts/test.sh container

screenshots:
	UPDATE_SCREENSHOTS=1 scripts/test.sh e2e

# Interactive without USERNAME; from the flags otherwise. Uses the running
# stack's environment (RUN_DIR/env/auth.env).
createsuperuser:
	$(STACK) exec auth createsuperuser \
	  $(if $(USERNAME),--username "$(USERNAME)") \
	  $(if $(PASSWORD),--password "$(PASSWORD)") \
	  $(if $(EMAIL),--email "$(EMAIL)")

# Removes build output and the test stack; the dev stack's data in .run/ stays.
clean:
	-ECHOCHAT_RUN_DIR="$(CURDIR)/.run/test" scripts/stack.sh down >/dev/null 2>&1
	-if [ -d .run/test/e2e ]; then ECHOCHAT_RUN_DIR="$(CURDIR)/.run/test/e2e" scripts/stack.sh down >/dev/null 2>&1; fi
	rm -rf build build-debug build-asan build-fuzz .run/test

fuzz:
	scripts/fuzz.sh

fmt:
	@files=$$(git ls-files '*.c' '*.h'); \
	if [ -n "$$files" ]; then clang-format -i --style=file --fallback-style=LLVM $$files; fi

lint:
	shellcheck scripts/*.sh .ci/run
	$(PYTHON) -m py_compile tests/conftest.py tests/lib/*.py tests/system/*.py

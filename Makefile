# `make run` builds codeb and validates the example spec; `make test` installs and starts the
# services the tests need (dockerd, caddy, busybox test images) and runs the whole suite;
# `make bench` prints the driver benchmarks (release build).
SWIFT ?= swift
CODEB := .build/debug/codeb

.PHONY: build run test services bench clean

build:
	$(SWIFT) build

run: build
	$(CODEB) validate -f examples/hello/codeb.yaml
	$(CODEB) validate -f examples/web-app/codeb.yaml --var GIT_SHA=0123abc

services:
	bash .ci/setup

test: services
	$(SWIFT) test --disable-xctest

# Figures, not pass/fail: release build, against the real dockerd and Caddy.
bench: services
	$(SWIFT) build -c release --product codeb-bench
	.build/release/codeb-bench

clean:
	rm -rf .build

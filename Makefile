# `make run` brings up dockerd, Caddy and a controller and deploys examples/hello; `make test` installs and starts the
# services the tests need (dockerd, caddy, busybox test images) and runs the whole suite;
# `make bench` prints the driver benchmarks (release build).
SWIFT ?= swift

.PHONY: build run test services bench clean

build:
	$(SWIFT) build

# The main job: services, a controller on loopback, hello applied, served, upgraded, rolled back.
run:
	bash examples/quickstart.sh

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

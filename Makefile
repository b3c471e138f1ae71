# `make run` brings up dockerd, Caddy and a controller and deploys examples/hello; `make test` installs and starts the
# services the tests need (dockerd, caddy, PostgreSQL, busybox test images) and runs the whole suite;
# `make install` installs codeb on this host (scripts/install.sh; `make uninstall` keeps the state);
# `make bench` prints the driver benchmarks (release build); `make bench-scale` the 1,000-environment ones.
SWIFT ?= swift

.PHONY: build run test services bench bench-scale clean install uninstall

build:
	$(SWIFT) build

# The main job: services, a controller on loopback, hello applied, served, upgraded, rolled back.
run:
	bash examples/quickstart.sh

services:
	bash .ci/setup

# The suite in parallel; then, alone, the `Isolated` suites (they restart dockerd and load the
# machine); then the install walkthrough (install into a scratch root, systemd-analyze verify,
# the controller as the unit starts it, hello served, uninstall); then the web console in
# chromium (Playwright), its screenshots left in .build/test-output/console.
test: services
	$${CODEB_CI_DIR:-/tmp/codeb-ci}/venv/bin/openapi-spec-validator Sources/APIModel/Contract/openapi.yaml
	$(SWIFT) test --disable-xctest --skip Isolated
	$(SWIFT) test --disable-xctest --filter Isolated
	bash .ci/walkthrough
	$${CODEB_CI_DIR:-/tmp/codeb-ci}/venv/bin/python Tests/Browser/console_test.py

# Figures, not pass/fail: release build, against the real dockerd and Caddy.
bench: services
	$(SWIFT) build -c release --product codeb-bench
	$(SWIFT) build -c release --product codeb
	.build/release/codeb version --verbose | grep -q 'build: release (no fault injection)' || { echo 'the release build obeys CODEB_CRASH_AT' >&2; exit 1; }
	.build/release/codeb-bench
	$${CODEB_CI_DIR:-/tmp/codeb-ci}/venv/bin/python Benchmarks/console/console_bench.py

# The scale figures (an hour or more): figure 2 at 100, 300 and 1,000 environments with the kill
# storm, then figure 2c, two nodes of 700 environments sharing one PostgreSQL.
bench-scale: services
	$(SWIFT) build -c release --product codeb-bench
	.build/release/codeb-bench --scale
	.build/release/codeb-bench --nodes

install:
	bash scripts/install.sh

uninstall:
	bash scripts/install.sh --uninstall

clean:
	rm -rf .build

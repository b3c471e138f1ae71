# `make run` brings up dockerd, Caddy and a controller and deploys examples/hello; `make test` installs and starts the
# services the tests need (dockerd, caddy, PostgreSQL, busybox test images) and runs the whole suite;
# `make install` installs codeb on this host (scripts/install.sh; `make uninstall` keeps the state);
# `make bench` prints the driver benchmarks (release build); `make bench-scale` the 1,000-environment ones.
SWIFT ?= swift

.PHONY: build run test services bench bench-scale clean install uninstall generate check-generated lint-console

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
# chromium (Playwright), its screenshots left in .build/test-output/console; then a Python client
# generated from the served contract applies and reads a project.
test: services check-generated lint-console
	$${CODEB_CI_DIR:-/tmp/codeb-ci}/venv/bin/openapi-spec-validator Sources/APIModel/Contract/openapi.yaml
	@# No API path outside the contract and its generated code.
	@! grep -rn '"/v1/' Sources --include='*.swift' --exclude-dir=Generated || { echo 'an API path literal outside the contract (above): call the generated client or the contract' >&2; exit 1; }
	$(SWIFT) test --disable-xctest --skip Isolated
	$(SWIFT) test --disable-xctest --filter Isolated
	bash .ci/walkthrough
	$${CODEB_CI_DIR:-/tmp/codeb-ci}/venv/bin/python Tests/Browser/console_test.py
	$${CODEB_CI_DIR:-/tmp/codeb-ci}/venv/bin/python Tests/Python/python_client_test.py

# The console's script, by Debian's ESLint with Sources/Console/Assets/eslintrc.yaml (Debian's
# eslint finds its modules under /usr/share/nodejs whichever node runs it).
lint-console:
	cd Sources/Console/Assets && NODE_PATH=/usr/share/nodejs eslint --no-eslintrc -c eslintrc.yaml console.js

# The API contract's generated code (types, client, server) is committed: `make generate` after
# changing Sources/APIModel/Contract/openapi.yaml; `make test` fails when it is not current. The
# pinned generator is built on its own, outside codeb's build (README, "The API contract").
OPENAPI_GENERATOR = .build-openapi/debug/swift-openapi-generator
OPENAPI_GENERATE = generate --config Sources/APIModel/Contract/openapi-generator-config.yaml Sources/APIModel/Contract/openapi.yaml

$(OPENAPI_GENERATOR): Tools/openapi-generator/Package.swift
	$(SWIFT) build --package-path Tools/openapi-generator --scratch-path .build-openapi --product swift-openapi-generator

generate: $(OPENAPI_GENERATOR)
	rm -rf Sources/APIModel/Generated && mkdir -p Sources/APIModel/Generated
	$(OPENAPI_GENERATOR) $(OPENAPI_GENERATE) --output-directory Sources/APIModel/Generated > .build-openapi/generate.log 2>&1 || { cat .build-openapi/generate.log; exit 1; }

check-generated: $(OPENAPI_GENERATOR)
	rm -rf .build-openapi/check && mkdir -p .build-openapi/check
	$(OPENAPI_GENERATOR) $(OPENAPI_GENERATE) --output-directory .build-openapi/check > .build-openapi/generate.log 2>&1 || { cat .build-openapi/generate.log; exit 1; }
	diff -r .build-openapi/check Sources/APIModel/Generated || { echo 'Sources/APIModel/Generated is not what the contract generates: run make generate' >&2; exit 1; }

# Figures, not pass/fail: release build, against the real dockerd and Caddy.
bench: services
	$(SWIFT) build -c release --product codeb-bench
	$(SWIFT) build -c release --product codeb
	.build/release/codeb version --verbose | grep -q 'build: release (no fault injection)' || { echo 'the release build obeys CODEB_CRASH_AT' >&2; exit 1; }
	.build/release/codeb-bench
	.build/release/codeb-bench --https
	.build/release/codeb-bench --bake
	.build/release/codeb-bench --services
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

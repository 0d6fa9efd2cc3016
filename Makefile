# The two entry points of the README. Each installs missing system packages first.
SWIFT ?= swift

.PHONY: deps demo test build release

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

# The main job: an in-process DTLS-SRTP handshake and media exchange.
demo: deps
	$(SWIFT) run -c release dtls-srtp demo

# Every test; exits non-zero when any test fails.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	bash scripts/interop.sh .build/debug/dtls-srtp

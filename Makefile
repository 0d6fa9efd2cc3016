# The two entry points of the README. Each installs missing system packages first.
SWIFT ?= swift

.PHONY: deps demo test build release docs

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

# The main job: two endpoints over UDP on 127.0.0.1, handshake and media both ways.
demo: deps
	$(SWIFT) run -c release dtls-srtp demo

# Every test; exits non-zero when any test fails.
test: deps
	bash scripts/check-self-contained.sh
	$(MAKE) nss-peer nss-bench
	.build/nss-bench --count 20
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	bash scripts/check-readme.sh
	.build/debug/EngineInOneScreen
	$(MAKE) docs
	bash scripts/interop.sh .build/debug/dtls-srtp
	$(SWIFT) build --package-path Examples/SFU
	bash scripts/sfu-example.sh .build/debug/dtls-srtp Examples/SFU/.build/debug/SFU
	bash scripts/sfu-example.sh .build/debug/dtls-srtp Examples/SFU/.build/debug/MiniSFU mini

# NSS 3.125 as an independent DTLS peer (Tools/nss-peer): built against
# libnss3-dev's headers, run on firefox-esr's NSS libraries (Debian's own
# libnss3 3.87 speaks only draft DTLS 1.3). RPATH, not RUNPATH, so NSS's own
# dependencies resolve there too.
NSS_LIBDIR ?= /usr/lib/firefox-esr
NSS_CC ?= $(shell command -v clang || command -v cc)
.PHONY: nss-peer
nss-peer: .build/nss-peer
.build/nss-peer: Tools/nss-peer/nss_peer.c
	@mkdir -p .build
	$(NSS_CC) -O1 -Wall -o $@ $< $$(pkg-config --cflags nss nspr) -L$(NSS_LIBDIR) \
	  -Wl,--disable-new-dtags,-rpath,$(NSS_LIBDIR) -lssl3 -lsmime3 -lnss3 -lnssutil3 -lnspr4 -lplc4

# NSS's own DTLS 1.3 handshake rate, client and server in one process over
# in-memory datagram queues (Tools/nss-peer/nss_bench.c); same NSS as nss-peer.
.PHONY: nss-bench
nss-bench: .build/nss-bench
.build/nss-bench: Tools/nss-peer/nss_bench.c
	@mkdir -p .build
	$(NSS_CC) -O2 -Wall -o $@ $< $$(pkg-config --cflags nss nspr) -L$(NSS_LIBDIR) \
	  -Wl,--disable-new-dtags,-rpath,$(NSS_LIBDIR) -lssl3 -lsmime3 -lnss3 -lnssutil3 -lnspr4 -lplc4

# The DocC catalog of every library product (Sources/<module>/<module>.docc),
# with warnings as errors: a broken symbol link or an undocumented parameter fails.
DOC_TARGETS = DTLS SRTP DTLSEndpoint WebRTCLite DTLSNIO
.PHONY: docs
docs:
	@for t in $(DOC_TARGETS); do \
	  $(SWIFT) package generate-documentation --target $$t --warnings-as-errors >.build/docc-$$t.log 2>&1 \
	    && echo "docs: $$t built" || { cat .build/docc-$$t.log; echo "docs: $$t FAILED"; exit 1; }; \
	done

.PHONY: fuzz fuzz-build fuzz-seeds sanitize sanitize-address sanitize-thread

# libFuzzer targets in Fuzz/ (see scripts/fuzz.sh): builds them, runs each
# for FUZZ_SECONDS, prints executions per target, fails on any crash.
FUZZ_SECONDS ?= 60
fuzz: deps
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz-build: deps
	bash scripts/fuzz.sh build

# Regenerates the committed seed corpora Fuzz/corpus/<target>.
fuzz-seeds: deps
	bash scripts/fuzz.sh seeds

# The whole test suite under AddressSanitizer, then ThreadSanitizer. Each has
# its own scratch path so it never clobbers the normal .build.
sanitize: sanitize-address sanitize-thread

# LSan stays on (suppressions: .ci/lsan.supp); the Swift backtracer is off so
# that ASan reports a crash itself.
sanitize-address: deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	SWIFT_BACKTRACE=enable=no LSAN_OPTIONS=suppressions=$(CURDIR)/.ci/lsan.supp \
	  bash scripts/run-sanitized.sh $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan

sanitize-thread: deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	SWIFT_BACKTRACE=enable=no TSAN_OPTIONS=suppressions=$(CURDIR)/.ci/tsan.supp \
	  bash scripts/run-sanitized.sh $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan

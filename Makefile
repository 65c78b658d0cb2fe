# recnet: a thin wrapper around CMake, so that one command builds and tests the project on a
# fresh Debian 12 machine. The build itself is described in CMakeLists.txt; this file only picks
# build directories, options, and the order of the steps.
#
#   make deps          install the Debian packages that are missing (apt-get, sudo when not root)
#   make build         configure and build in build/ (RelWithDebInfo)
#   make test          deps + build + every ctest except the benchmarks
#   make bench         Release build in build-bench/ and run the benchmarks (tests/bench/)
#   make asan          AddressSanitizer + UndefinedBehaviorSanitizer build in build-asan/, unit and
#                      fuzz-regression tests
#   make fuzz          clang + libFuzzer build in build-fuzz/, run each harness FUZZ_SECONDS
#   make format        clang-format every .c and .h in place
#   make format-check  fail if any .c or .h is not formatted
#   make vectors       rewrite proto/vectors.json and proto/query_vectors.json from their
#                      generators (tests/vectors/)
#   make corpus        rewrite the generated seed corpora of the fuzz harnesses (tests/fuzz/)
#   make demo          a local federation of the 30 authorities doing its real work
#   make install       build, then install under PREFIX (staged under DESTDIR when given)
#   make clean         remove every build directory
#
# Variables: WERROR=1 turns warnings into errors (CI); CMAKE_FLAGS adds options to every
# configure; JOBS sets build parallelism (default: nproc); FUZZ_SECONDS (default 30);
# FUZZ_TEXT_SECONDS (default FUZZ_SECONDS) for the harnesses of the text formats people write
# (FUZZ_TEXT_HARNESSES: small parsers that need less time, which CI runs for half as long);
# BUILD_DIR (default build) names the build directory, the others are BUILD_DIR-asan and so on.
# PREFIX (default /usr/local) and DESTDIR: where `make install` puts the programs, the systemd
# unit and the documentation (make install PREFIX=/usr DESTDIR=/tmp/stage; README.md).

SHELL := /bin/bash
MAKEFLAGS += --no-print-directory
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
WERROR ?= 0
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 30
FUZZ_TEXT_SECONDS ?= $(FUZZ_SECONDS)
FUZZ_TEXT_HARNESSES := nodeconf key recjson vcjwt import scenario query jsonld nquads jcs jws jwk did status json registry
BUILD_DIR ?= build
ASAN_DIR := $(BUILD_DIR)-asan
FUZZ_DIR := $(BUILD_DIR)-fuzz
BENCH_DIR := $(BUILD_DIR)-bench
PREFIX ?= /usr/local
DESTDIR ?=

ifeq ($(WERROR),1)
RN_WERROR := ON
else
RN_WERROR := OFF
endif

# Passed on every configure, so that an option set once does not linger in a cached build tree.
CMAKE_COMMON := -DRN_WERROR=$(RN_WERROR) $(CMAKE_FLAGS)
CMAKE_COMMON += -DCMAKE_INSTALL_PREFIX=$(PREFIX)

# Everything the build, the tests, the sanitizer and fuzz builds, and format-check need.
# libclang-rt-dev holds clang's sanitizer and libFuzzer runtimes, which clang only recommends.
DEB_PACKAGES := build-essential cmake pkg-config clang libclang-rt-dev clang-format \
	libuv1-dev libsodium-dev libmsgpack-dev liblmdb-dev libcmocka-dev libjansson-dev libinih-dev \
	libssl-dev zlib1g-dev libh2o-dev wrk
# systemd-analyze, systemd-sysusers and systemd-tmpfiles check the shipped unit and its files
# (tests/unit/systemd_unit.sh); nothing is started.
DEB_PACKAGES += systemd
# HAProxy runs the scale-out recipe (tools/haproxy/recnet.cfg, tests/integration/haproxy.sh).
DEB_PACKAGES += haproxy
DEB_PACKAGES += chromium
# libxml2 and xmlsec1 (OpenSSL) read and verify eIDAS trusted lists (cred/tl.c).
DEB_PACKAGES += libxml2-dev libxmlsec1-dev

# Sanitizer settings for every run under ASan/UBSan: stop at the first report, with a stack.
SAN_ENV := ASAN_OPTIONS=abort_on_error=0:detect_leaks=1:strict_string_checks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Every C source and header of the project, build trees excluded.
FORMAT_FILES = $(shell find . \( -path './build*' -o -path ./.git \) -prune -o \
	-type f \( -name '*.c' -o -name '*.h' \) -print | sort)

FUZZ_HARNESSES = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
CORPUS_GENERATORS = $(patsubst tests/fuzz/gen_corpus_%.c,%,$(wildcard tests/fuzz/gen_corpus_*.c))

.PHONY: all deps build test bench asan fuzz vectors corpus format format-check demo clean help

all: build

help:
	@sed -n '5,/^$$/p' Makefile | sed -n 's/^# \{0,1\}//p'

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q '^install ok installed$$' \
			|| missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; exit 0; fi; \
	echo "deps: installing$$missing"; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null; then sudo="sudo"; \
	else echo "deps: not root and no sudo: install$$missing by hand" >&2; exit 1; fi; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		$$missing

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_COMMON)
	cmake --build $(BUILD_DIR) -j$(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -LE bench -j$(JOBS)

bench: deps
	cmake -S . -B $(BENCH_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_COMMON)
	cmake --build $(BENCH_DIR) -j$(JOBS) --target run_bench

asan: deps
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DRN_SANITIZE=ON $(CMAKE_COMMON)
	cmake --build $(ASAN_DIR) -j$(JOBS)
	cd $(ASAN_DIR) && $(SAN_ENV) ctest --output-on-failure -L 'unit|fuzz' -j$(JOBS)

# Each harness runs on a copy of its committed corpus, so fuzzing never rewrites the tree; new
# inputs stay in $(FUZZ_DIR)/corpus/<name>/ and crashes land in $(FUZZ_DIR)/artifacts/<name>/.
fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRN_FUZZ=ON \
		$(CMAKE_COMMON)
	cmake --build $(FUZZ_DIR) -j$(JOBS) --target fuzzers
	@for h in $(FUZZ_HARNESSES); do \
		secs=$(FUZZ_SECONDS); \
		case " $(FUZZ_TEXT_HARNESSES) " in *" $$h "*) secs=$(FUZZ_TEXT_SECONDS);; esac; \
		echo "fuzz: $$h for $$secs s"; \
		rm -rf $(FUZZ_DIR)/corpus/$$h; mkdir -p $(FUZZ_DIR)/corpus/$$h $(FUZZ_DIR)/artifacts/$$h; \
		if [ -d tests/fuzz/corpus/$$h ]; then cp -R tests/fuzz/corpus/$$h/. $(FUZZ_DIR)/corpus/$$h/; fi; \
		$(SAN_ENV) $(FUZZ_DIR)/tests/fuzz/fuzz_$$h -max_total_time=$$secs -timeout=10 \
			-print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/artifacts/$$h/ \
			$(FUZZ_DIR)/corpus/$$h; \
	done

vectors: build
	cmake --build $(BUILD_DIR) --target vectors
	cmake --build $(BUILD_DIR) --target query_vectors

# Generators only add and overwrite their own files: inputs added by hand (crashes) stay.
corpus: build
	@for g in $(CORPUS_GENERATORS); do \
		mkdir -p tests/fuzz/corpus/$$g; \
		echo "corpus: tests/fuzz/corpus/$$g"; \
		$(BUILD_DIR)/tests/fuzz/gen_corpus_$$g tests/fuzz/corpus/$$g; \
	done

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)
	@echo "format-check: $(words $(FORMAT_FILES)) files formatted"

# A local federation of the 30 authorities on 127.0.0.1 doing its real work (tools/demo.sh);
# DEMO_KEEP=1 leaves it running, DEMO_PORT=N makes it look for its 30 free ports from N on.
demo: build
	BUILD_DIR=$(BUILD_DIR) bash tools/demo.sh

# The prefix is part of the configuration (the systemd unit names the installed recnetd by its
# full path), so install builds with PREFIX first; DESTDIR only stages the files elsewhere.
.PHONY: install
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR) $(BENCH_DIR)

# podd: `make demo` runs a real pod, `make test` runs all three test tiers, `make bench` measures.
SHELL := /bin/bash
# Everything needed (qemu, the Debian cloud kernel, busybox-static, cpio) is installed on demand.

GO        ?= go
# grpcnotrace keeps golang.org/x/net/trace (and html/template) out of podd: see
# cmd/podd/flags.go and TestPoddLinksNoTemplate.
GOFLAGS   += -tags=grpcnotrace
export GOFLAGS
BUILD     := build
IMAGES    := $(BUILD)/images
IMAGE_DIR := /var/lib/podd/images
export CGO_ENABLED := 0

# Unit tests (and the per-package root tests) first, then host integration, then the VM tier.
UNIT_PKGS = $(shell $(GO) list ./... | grep -v -e /tests/host -e /tests/vm)

BPF_DIRS := bpf/oom bpf/probelat

.PHONY: generate check-generate bench-oom all build install image install-image image-deps vm-deps vm-kernel test test-unit test-host test-race test-demo test-vm bench bench-peers peer-deps demo clean

all: build

build:
	@mkdir -p $(BUILD)
	$(GO) build -trimpath -o $(BUILD)/podd ./cmd/podd
	$(GO) build -trimpath -o $(BUILD)/podd-nsinit ./cmd/podd-nsinit
	$(GO) build -trimpath -o $(BUILD)/podctl ./cmd/podctl

# make install [PREFIX=/usr/local] [DESTDIR=]: podd, podd-nsinit (next to podd, where it looks
# for it) and podctl, with podctl's bash and zsh completion and podd's systemd unit
# (dist/systemd/podd.service.in; `systemctl enable --now podd` after a daemon-reload).
PREFIX  ?= /usr/local
BINDIR  := $(DESTDIR)$(PREFIX)/bin
BASHDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR  := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
UNITDIR := $(DESTDIR)$(PREFIX)/lib/systemd/system

install: build
	install -d $(BINDIR) $(BASHDIR) $(ZSHDIR) $(UNITDIR)
	install -m 0755 $(BUILD)/podd $(BUILD)/podd-nsinit $(BUILD)/podctl $(BINDIR)/
	$(BUILD)/podctl completion bash > $(BASHDIR)/podctl
	$(BUILD)/podctl completion zsh > $(ZSHDIR)/_podctl
	sed 's|@BINDIR@|$(PREFIX)/bin|g' dist/systemd/podd.service.in > $(UNITDIR)/podd.service
	chmod 0644 $(UNITDIR)/podd.service

# The busybox-based test image, as an OCI layout (+ a plain rootfs dir), installed where the
# examples point (image: oci:/var/lib/podd/images/podd-test:latest).
image: image-deps
	tests/images/build.sh $(IMAGES)/podd-test
	$(MAKE) install-image

install-image:
	@mkdir -p $(IMAGE_DIR)
	@if ! cmp -s $(IMAGES)/podd-test/index.json $(IMAGE_DIR)/podd-test/index.json; then \
		rm -rf $(IMAGE_DIR)/podd-test $(IMAGE_DIR)/podd-test.rootfs; \
		cp -a $(IMAGES)/podd-test $(IMAGES)/podd-test.rootfs $(IMAGE_DIR)/; \
	fi

# The image needs Debian's static busybox; the VM tier also qemu and cpio.
image-deps:
	@[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static; }

vm-deps: image-deps
	@command -v qemu-system-x86_64 >/dev/null && command -v cpio >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-x86 cpio; }

vm-kernel: vm-deps
	tests/vm/fetch-kernel

test: build image vm-kernel
	$(MAKE) test-unit
	$(MAKE) test-host
	$(MAKE) test-race
	$(MAKE) test-demo
	$(MAKE) test-vm

# The host tests again against a podd built with the race detector (it exits 66 on a race, and
# the tests require podd to exit 0).
test-race: build image
	@mkdir -p $(BUILD)/race
	CGO_ENABLED=1 $(GO) build -race -o $(BUILD)/race/podd ./cmd/podd
	cp $(BUILD)/podd-nsinit $(BUILD)/race/
	@$(HOST_BINS) PODD_BIN=$(CURDIR)/$(BUILD)/race/podd $(GO) test -count=1 -p 1 -timeout 30m -v ./tests/host/ >$(BUILD)/test-race.log 2>&1; rc=$$?; \
		$(SUMMARY) $(BUILD)/test-race.log; [ $$rc = 0 ] || { cat $(BUILD)/test-race.log; tests/failures.sh $(BUILD)/test-race.log; }; exit $$rc

# The README's first command must keep working: run it and require its last line.
test-demo: build image
	@tests/demo.sh $(BUILD)/podd $(BUILD)/podctl >$(BUILD)/demo.log 2>&1; rc=$$?; \
		if [ $$rc = 0 ] && tail -n1 $(BUILD)/demo.log | grep -qx 'demo: OK'; then echo "demo: OK"; \
		else cat $(BUILD)/demo.log; echo "demo: FAILED ($$rc)"; exit 1; fi

test-unit:
	$(GO) test -count=1 $(UNIT_PKGS)

# The verbose logs go to build/; the console shows the verdicts, and the whole log on a failure.
SUMMARY = grep -E '^( *--- |PASS$$|FAIL|ok  |panic)'

# The host tests take the binaries make built (the same ones the demo and the VM tier run).
HOST_BINS = PODD_BIN=$(CURDIR)/$(BUILD)/podd PODCTL_BIN=$(CURDIR)/$(BUILD)/podctl

test-host: build image
	@$(HOST_BINS) $(GO) test -count=1 -p 1 -timeout 30m -v ./tests/host/ >$(BUILD)/test-host.log 2>&1; rc=$$?; \
		$(SUMMARY) $(BUILD)/test-host.log; [ $$rc = 0 ] || { cat $(BUILD)/test-host.log; tests/failures.sh $(BUILD)/test-host.log; }; exit $$rc

test-vm: build image vm-kernel
	tests/vm/smoke.sh >$(BUILD)/vm-smoke.log 2>&1 || { cat $(BUILD)/vm-smoke.log; exit 1; }
	@$(GO) test -count=1 -p 1 -timeout 40m -v ./tests/vm/ >$(BUILD)/test-vm.log 2>&1; rc=$$?; \
		$(SUMMARY) $(BUILD)/test-vm.log; [ $$rc = 0 ] || { cat $(BUILD)/test-vm.log; tests/failures.sh $(BUILD)/test-vm.log; }; exit $$rc

bench: build image
	$(GO) test -run '^$$' -bench . -benchmem $(UNIT_PKGS)
	$(GO) run ./tests/bench -podd $(BUILD)/podd -podctl $(BUILD)/podctl
	$(MAKE) bench-oom

# OOM report latency (kill to podd's event, p50/p99) needs cgroup v2 memory: the VM tier.
bench-oom: build image vm-kernel
	@tests/vm/run tests/vm/scripts/95-oom-ebpf.sh >$(BUILD)/bench-oom.log 2>&1 || { cat $(BUILD)/bench-oom.log; exit 1; }
	@grep '^oom-report-latency:' $(BUILD)/bench-oom.log

# podd and podman kube play side by side, in alternating blocks of one run (ratios printed).
# podman runs with runc (crun refuses hybrid cgroups), a private store and its own netns.
bench-peers: build image peer-deps
	$(GO) run ./tests/bench -podd $(BUILD)/podd -podctl $(BUILD)/podctl -peers

peer-deps:
	@command -v podman >/dev/null && command -v runc >/dev/null && command -v nsenter >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc util-linux; }

# The eBPF objects (bpf/*/*.c -> bpf2go .o and .go, committed: go build needs no clang).
generate:
	@command -v clang >/dev/null && command -v llvm-strip >/dev/null && [ -e /usr/include/bpf/bpf_helpers.h ] || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang llvm libbpf-dev; }
	$(GO) generate $(addprefix ./,$(BPF_DIRS))

# CI: the committed objects are what their sources build to.
check-generate: generate
	git diff --exit-code -- $(BPF_DIRS)

demo: build image
	tests/demo.sh $(BUILD)/podd $(BUILD)/podctl

clean:
	rm -rf $(BUILD)

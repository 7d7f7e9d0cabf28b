# The two commands the README promises: `make demo` and `make test`.
# Each installs what it needs on a fresh Debian machine that has the .NET SDK.

CONFIGURATION ?= Release
RESULTS := artifacts/test-results
# The liquidmetal executable as people run it: published ReadyToRun (precompiled), so a render of a
# 1,000-host fleet spends its second on work rather than on the JIT.
CLI_DIR := artifacts/cli
CLI := $(CLI_DIR)/liquidmetal

.PHONY: all build cli deb image test test-deps demo bench bench-micro bench-agent bench-reconcile format clean

all: build

build:
	dotnet build LiquidMetal.sln -c $(CONFIGURATION) -nologo -clp:ErrorsOnly

cli:
	dotnet publish src/LiquidMetal.Cli -c $(CONFIGURATION) -r linux-x64 --self-contained false \
		-p:PublishReadyToRun=true -o $(CLI_DIR) -nologo -clp:ErrorsOnly

# The Debian package for hosts: artifacts/deb/liquidmetal_<version>_amd64.deb (packaging/build-deb.sh). The CLI is
# published self-contained because Debian's archive has no .NET runtime for the package to depend on; English
# resources only, as the program runs with invariant globalization.
DEB_DIR := artifacts/deb
DEB_PUBLISH := $(DEB_DIR)/publish
deb:
	rm -rf $(DEB_PUBLISH)
	dotnet publish src/LiquidMetal.Cli -c $(CONFIGURATION) -r linux-x64 --self-contained true \
		-p:PublishReadyToRun=true -p:SatelliteResourceLanguages=en -o $(DEB_PUBLISH) -nologo -clp:ErrorsOnly
	packaging/build-deb.sh $(DEB_PUBLISH) $(DEB_DIR)

# The container image the chart runs (Dockerfile), built with buildah where no registry answers: the CLI published
# here, the bookworm base assembled from Debian packages once (scripts/build-image.sh; as root).
IMAGE ?= localhost/liquidmetal:dev
image:
	scripts/build-image.sh $(IMAGE)

# QEMU and the guest image for the agent's real-VM tests, grpc-js for the agent API's interop tests.
test-deps:
	scripts/install-test-deps.sh
	scripts/guest-image/build.sh
	if [ "$$(id -u)" = 0 ]; then scripts/guest-image/build-cloud.sh; else echo "test-deps: the cloud guest needs root to build (its tests skip)"; fi
	npm ci --prefix tests/LiquidMetal.Agent.Tests/interop --no-audit --no-fund --loglevel=error

# The package's own test (tests/LiquidMetal.Cli.Tests/Packaging) installs the one just built, named here so that
# it cannot skip for want of it. The image's test (tests/LiquidMetal.Cli.Tests/Image) builds the image itself, as root,
# through buildah's layer cache.
test: test-deps build deb
	rm -rf $(RESULTS)
	LIQUIDMETAL_DEB=$$(ls $(DEB_DIR)/liquidmetal_*_amd64.deb) dotnet test LiquidMetal.sln -c $(CONFIGURATION) --no-build -nologo \
		--logger "trx" --results-directory $(RESULTS) ; \
	status=$$? ; scripts/test-summary.sh $(RESULTS) ; exit $$status

demo: cli
	scripts/demo.sh $(CLI)

# Generated fleets of 1,000, 5,000 and 10,000 hosts, edge sites and one large pool, through `liquidmetal render --out`.
bench: cli build
	bench/render-bench.sh $(CLI) artifacts/bin/LiquidMetal.Bench/$(shell echo $(CONFIGURATION) | tr A-Z a-z)/liquidmetal-bench

# Micro-benchmarks of the hot paths (BenchmarkDotNet, a short in-process job): load + validate, placement, render,
# status compose and read. MICRO="--filter '*Status*'" picks some; any BenchmarkDotNet option goes there.
bench-micro: build
	artifacts/bin/LiquidMetal.Bench.Micro/$(shell echo $(CONFIGURATION) | tr A-Z a-z)/liquidmetal-bench-micro $(MICRO)

# The host agent: boot overhead against a bare QEMU boot, gRPC latency and memory with 100 VMs.
bench-agent: cli build
	bench/agent-bench.sh $(CLI) artifacts/bin/LiquidMetal.Bench/$(shell echo $(CONFIGURATION) | tr A-Z a-z)/liquidmetal-bench

# The reconciler: 5, 200 and 1,000 sim agents (in a second process) behind real gRPC and a real Git repository. The benchmark is published
# ReadyToRun, as the liquidmetal executable is, so a first pass in a new process measures the reconciler people run.
BENCH_BIN := artifacts/bench-bin
bench-reconcile:
	dotnet publish bench/LiquidMetal.Bench -c $(CONFIGURATION) -r linux-x64 --self-contained false \
		-p:PublishReadyToRun=true -o $(BENCH_BIN) -nologo -clp:ErrorsOnly
	$(BENCH_BIN)/liquidmetal-bench reconcile 5 500
	$(BENCH_BIN)/liquidmetal-bench reconcile 200 500
	$(BENCH_BIN)/liquidmetal-bench reconcile 1000 500
	guest=$${LIQUIDMETAL_GUEST_DIR:-$$HOME/.cache/liquidmetal/guest}; \
	if command -v qemu-system-x86_64 >/dev/null && [ -f $$guest/vmlinuz ]; then \
		$(BENCH_BIN)/liquidmetal-bench reconcile-qemu $$guest/vmlinuz $$guest/initramfs.cpio.gz 5; \
	else echo "reconcile-qemu skipped: needs qemu-system-x86_64 and the guest image (make test-deps)"; fi

format:
	dotnet format LiquidMetal.sln

clean:
	rm -rf artifacts

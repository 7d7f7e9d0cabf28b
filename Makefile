# The two commands the README promises: `make demo` and `make test`.
# Each installs what it needs on a fresh Debian machine that has the .NET SDK.

CONFIGURATION ?= Release
RESULTS := artifacts/test-results
CLI := artifacts/bin/LiquidMetal.Cli/$(shell echo $(CONFIGURATION) | tr A-Z a-z)/liquidmetal

.PHONY: all build test test-deps demo bench format clean

all: build

build:
	dotnet build LiquidMetal.sln -c $(CONFIGURATION) -nologo -clp:ErrorsOnly

# QEMU and the guest image for the agent's real-VM tests, grpc-js for the transport's interop tests.
test-deps:
	scripts/install-test-deps.sh
	scripts/guest-image/build.sh
	npm ci --prefix tests/LiquidMetal.Grpc.Tests/interop --no-audit --no-fund --loglevel=error

test: test-deps build
	rm -rf $(RESULTS)
	dotnet test LiquidMetal.sln -c $(CONFIGURATION) --no-build -nologo \
		--logger "trx" --results-directory $(RESULTS) ; \
	status=$$? ; scripts/test-summary.sh $(RESULTS) ; exit $$status

demo: build
	scripts/demo.sh $(CLI)

bench:
	bench/render-bench.sh

format:
	dotnet format LiquidMetal.sln

clean:
	rm -rf artifacts

# wsops — build and test entry points. `make test` is what CI runs.
GO       ?= go
NODE_TOOLS := tools/node
STATICCHECK_VERSION := v0.8.2

.PHONY: all build run test tools vet lint bench bench-go clean

all: build

build:
	$(GO) build -o wsops .

run:
	$(GO) run .

# Installs the pinned dynalite, starts it on a free loopback port, vets, and
# runs every test with the race detector (the data tests run against both
# dynalite and an in-process minidyn).
test: tools
	./tools/with-dynalite.sh sh -c '$(GO) vet ./... && $(GO) test -race -count=1 ./...'

tools: $(NODE_TOOLS)/node_modules/.installed

$(NODE_TOOLS)/node_modules/.installed: $(NODE_TOOLS)/package.json $(NODE_TOOLS)/package-lock.json
	npm ci --prefix $(NODE_TOOLS) --no-audit --no-fund
	touch $@

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

# The benchmark harness (bench/): dynalite and a sandbox on loopback, every
# scenario against its baseline in the same run; writes bench/results.md and
# bench/results.json. BENCH_QUICK=1 runs it small (CI) and writes elsewhere.
bench: tools
	./bench/run.sh

# The Go micro-benchmarks of the data and client layers (decode rate,
# fan-out overhead), which the harness's figures are explained by.
bench-go: tools
	./tools/with-dynalite.sh $(GO) test -run '^$$' -bench . -benchmem ./data ./client/...

clean:
	rm -rf wsops $(NODE_TOOLS)/node_modules

# wsops — build and test entry points. `make test` is what CI runs.
GO       ?= go
NODE_TOOLS := tools/node
STATICCHECK_VERSION := v0.8.2
# Build tags: the embedded FerretDB (tests; the sandbox's MongoDB world)
# needs only its SQLite backend. Without its PostgreSQL one (pgx) a binary
# that links it is about 6 MB smaller.
TAGS ?= ferretdb_no_postgresql

.PHONY: all build run test tools vet lint bench bench-go fuzz loadtest crash clean

all: build

build:
	$(GO) build -tags $(TAGS) -o wsops .

run:
	$(GO) run -tags $(TAGS) .

# Installs the pinned dynalite, starts it on a free loopback port, vets, and
# runs every test with the race detector (the registry tests run against
# dynalite, an in-process minidyn and an embedded FerretDB: a MongoDB wire
# server on SQLite, started by the tests themselves).
test: tools
	./tools/with-dynalite.sh sh -c '$(GO) vet -tags $(TAGS) ./... && $(GO) test -tags $(TAGS) -race -count=1 ./...'

tools: $(NODE_TOOLS)/node_modules/.installed

$(NODE_TOOLS)/node_modules/.installed: $(NODE_TOOLS)/package.json $(NODE_TOOLS)/package-lock.json
	npm ci --prefix $(NODE_TOOLS) --no-audit --no-fund
	touch $@

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet -tags $(TAGS) ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) -tags $(TAGS) ./...

# The benchmark harness (bench/): dynalite and a sandbox on loopback, every
# scenario against its baseline in the same run; writes bench/results.md and
# bench/results.json. BENCH_QUICK=1 runs it small (CI) and writes elsewhere.
bench: tools
	./bench/run.sh

# The Go micro-benchmarks of the data and client layers (decode rate,
# fan-out overhead), which the harness's figures are explained by.
bench-go: tools
	./tools/with-dynalite.sh $(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem ./data ./mgmt ./wsclient

# Every fuzz target, one after the other, FUZZTIME each (CI: FUZZTIME=20s).
# The seed corpora are committed under each package's testdata/fuzz/.
FUZZTIME ?= 1m
FUZZPARALLEL ?= 1
FUZZ_TARGETS := \
	./data:FuzzDecodeConnection ./data:FuzzDecodeItem \
	./config:FuzzLoad \
	./fleet:FuzzParse \
	./sanitize:FuzzText ./sanitize:FuzzCell ./sanitize:FuzzJSON \
	./sandbox/gateway:FuzzFrameGuard ./sandbox/gateway:FuzzRouteSelection ./sandbox/gateway:FuzzManagementRequest \
	./auth:FuzzVerify ./secret:FuzzRedact ./secret:FuzzRedactURI
fuzz:
	GO=$(GO) ./tools/fuzz.sh $(FUZZTIME) $(FUZZPARALLEL) $(FUZZ_TARGETS)

# The sandbox under load: 10,000 connections (LOADCONNS) churning for
# LOADCHURN while the registry is scanned as the console refreshes; reports
# memory and goroutines per connection (docs/reliability.md). Not run by CI.
LOADCONNS ?= 10000
LOADCHURN ?= 30s
loadtest:
	WSOPS_SLOW=1 WSOPS_LOAD_CONNS=$(LOADCONNS) WSOPS_LOAD_CHURN=$(LOADCHURN) \
		$(GO) test -count=1 -run '^TestLoadChurnWhileTheConsoleRefreshes$$' -v -timeout 30m ./sandbox

# The crash matrix (e2e/crash): SIGKILLs the built binary at random instants
# of send, logout, repair, undo and prune, on the wizz sandbox (DynamoDB) and
# the this27 sandbox (MongoDB), finishes each job from its journal and checks
# with independent witnesses that nothing happened twice or was lost.
# `make test` runs it at CI size (3 kills per action); this runs 20.
# WSOPS_CRASH_SEED picks the kill instants, WSOPS_CRASH_REPORT=/abs/path.md keeps the table.
CRASHKILLS ?= 20
crash:
	WSOPS_CRASH_KILLS=$(CRASHKILLS) $(GO) test -tags $(TAGS) -count=1 -run TestCrashMatrix -v -timeout 60m ./e2e/crash

clean:
	rm -rf wsops $(NODE_TOOLS)/node_modules

# ward's build. `make run` and `make test` are the two commands a fresh
# Debian/Ubuntu machine needs; see README.md.

GO        ?= go
BIN       := bin/ward
PKG       := github.com/prometheus/common/version
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
BRANCH    ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -X $(PKG).Version=$(VERSION) -X $(PKG).Revision=$(REVISION) -X $(PKG).Branch=$(BRANCH) \
             -X $(PKG).BuildUser=$(shell id -un)@$(shell hostname) -X $(PKG).BuildDate=$(shell date -u +%Y%m%d-%H:%M:%S)
CONFIG    ?=
# Release builds: no DWARF, no symbol table, no build paths (issue 15).
BUILDFLAGS ?= -trimpath
STRIP      ?= -s -w
# The figures of make bench's one table (bench/README.md "One table");
# absolute, since Go benchmarks run in their package's directory.
WARD_BENCH_RESULTS ?= $(CURDIR)/bench/results/figures.tsv
export WARD_BENCH_RESULTS
TESTFLAGS ?= -timeout 30m

.PHONY: all build run test test-deps lint generate bench fuzz clean

all: build

## build: compile bin/ward (release flags: STRIP= keeps the DWARF and symbols)
build:
	$(GO) build $(BUILDFLAGS) -ldflags '$(STRIP) $(LDFLAGS)' -o $(BIN) ./cmd/ward
	@echo "built $(BIN): $$(stat -c %s $(BIN) | numfmt --to=iec-i --suffix=B) ($$(stat -c %s $(BIN)) bytes), version $(VERSION) ($(REVISION), $(BRANCH)), $$($(GO) env GOVERSION), flags: $(BUILDFLAGS) -ldflags '$(STRIP) -X ...version.{Version,Revision,Branch,BuildUser,BuildDate}'"

## run: build and start ward on its embedded default config (or CONFIG=file)
run: build
	./$(BIN) serve $(if $(CONFIG),--config $(CONFIG))

## test-deps: install what the tests need (apt packages) where missing
test-deps:
	scripts/install-test-deps.sh

## test: install test dependencies, then run the whole suite
test: test-deps
	$(GO) test $(TESTFLAGS) ./...

## lint: the commit gates (gofmt, go vet, staticcheck, go mod tidy, generated files, govulncheck)
lint: generate
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) mod tidy -diff
	@git diff --exit-code -- '*_templ.go' || (echo "generated files are stale: run make generate and commit"; exit 1)
	@GO=$(GO) scripts/govulncheck.sh

## generate: regenerate generated code (templ components: *_templ.go)
generate:
	$(GO) tool templ generate
	$(GO) generate ./...

## bench: compare ward with Debian's prometheus on the same synthetic targets; measure the console
bench: build
	@mkdir -p $(dir $(WARD_BENCH_RESULTS)) && : > $(WARD_BENCH_RESULTS) # issue 15: one table, emptied here
	bench/run.sh
	# Memory (issue 15): ward on the typical job against prometheus +
	# alertmanager + blackbox_exporter, RSS after 60 s, and ward's heap top.
	bench/memory.sh
	bench/alerts.sh
	$(GO) test ./checks -run '^$$' -bench . -benchtime 1x
	$(GO) test ./querylimit -run '^$$' -bench BenchmarkQueryGuard
	# The console: render p50/p95, JS+CSS gzipped, first contentful paint.
	$(GO) test ./app -run '^$$' -bench BenchmarkConsole -benchtime 1x
	$(GO) test ./ui -run '^$$' -bench ConsoleAlertPages -benchtime 200x
	# Error tracking's list (issue 16): /errors with 500 issues, p95 <= 50 ms.
	$(GO) test ./ui -run '^$$' -bench ErrorsPage -benchtime 200x
	# The graphs (issue 11): a 24 h panel on 100k series x 7 days (ward and
	# prometheus on the same blocks), the whole /graphs/host page, JS+CSS
	# gzipped, uPlot's draw of 10 x 1,440 points in headless Chromium. The
	# first run generates the dataset (~4 min, 0.7 GB in WARD_BENCH_CACHE or
	# ~/.cache/ward-bench).
	$(GO) test ./app -run '^$$' -bench 'BenchmarkGraph(Panel|HostPage|sAssets|Draw)$$' -benchtime 1x -timeout 30m
	# Restore drills (issue 12): RTO (restore + replay + first query) and
	# restore throughput on a ~1 GB database; the first run generates the
	# pgBackRest repository (~3 min) in WARD_BENCH_CACHE or ~/.cache/ward-bench.
	$(GO) test ./backups -run '^$$' -bench BenchmarkDrill -benchtime 1x -timeout 30m
	# Rate limits (issue 13): ward's request path (guard, limiter, headers)
	# against the bare query handler on /api/v1/query?query=up, and the
	# limiter's own cost per request.
	$(GO) test ./app -run '^$$' -bench BenchmarkRateLimitOverhead -benchtime 20x
	$(GO) test ./ratelimit -run '^$$' -bench BenchmarkTakeAndHeaders -benchmem
	# Evidence pack (issue 14): 400 days of hourly evidence, 18 controls (<= 10 s).
	$(GO) test ./compliance/evidencepack -run '^$$' -bench BenchmarkEvidencePack400Days -benchtime 2x
	# Sentry ingest (issue 16): parsing a 50 KB envelope (plain, gzipped) and
	# one through the whole ingest handler.
	$(GO) test ./apperrors/envelope ./apperrors/ingest -run '^$$' -bench 'Benchmark(ParseEnvelope|Ingest)$$' -benchmem
	# Restart (issue 15): exec to /-/ready on 30 d x 100k series + a 2 h WAL,
	# after a clean stop and after kill -9, ward and Debian's prometheus on
	# copies of the same data. The first run of a day generates the blocks
	# (~1 min, 1 GB in WARD_BENCH_CACHE or ~/.cache/ward-bench); each run
	# writes its WAL (~30 s, 0.4 GB in a temporary directory).
	$(GO) run ./bench/restart -ward $(BIN)
	# Error tracking end to end (issue 16): ward as its own process takes
	# 50 KB gzipped envelopes at 55/s for 2 minutes; sustained events/s,
	# extra RSS and accept-to-visible p95 go to the one table.
	$(GO) test ./app -run '^$$' -bench BenchmarkErrorsSustained50KB -benchtime 1x -timeout 20m
	# on_data (issue 15): a stopped PostgreSQL under a 1 s check reaches
	# Slack within check interval + 1 s; the built-in pack's rule-evaluation
	# time at 100k series with on_data against every group on its tick.
	$(GO) test ./app -run '^$$' -bench BenchmarkPostgresDownToSlack -benchtime 1x
	bench/alerts/rulecpu.sh -modes $(BIN)
	# Issue 15's one table: every figure above beside its anchor. Keep last.
	bench/table.sh

## fuzz: run each fuzz target briefly (FUZZTIME=30s)
FUZZTIME ?= 20s
fuzz:
	$(GO) test ./config -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME)
	$(GO) test ./rules -run '^$$' -fuzz FuzzCheckFile -fuzztime $(FUZZTIME)
	$(GO) test ./rules/ruletest -run '^$$' -fuzz FuzzLoadTestFile -fuzztime $(FUZZTIME)
	$(GO) test ./checks -run '^$$' -fuzz FuzzChecksConfig -fuzztime $(FUZZTIME)
	$(GO) test ./audit -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME)
	$(GO) test ./audit -run '^$$' -fuzz FuzzParseExternal -fuzztime $(FUZZTIME)
	$(GO) test ./auth -run '^$$' -fuzz FuzzParseArgon2id -fuzztime $(FUZZTIME)
	$(GO) test ./auth -run '^$$' -fuzz FuzzCheckPassword -fuzztime $(FUZZTIME)
	$(GO) test ./auth -run '^$$' -fuzz FuzzParseKey -fuzztime $(FUZZTIME)
	$(GO) test ./ui -run '^$$' -fuzz '^FuzzDecodeSilence$$' -fuzztime $(FUZZTIME)
	$(GO) test ./ui -run '^$$' -fuzz '^FuzzDecodeSilenceForm$$' -fuzztime $(FUZZTIME)
	$(GO) test ./ui -run '^$$' -fuzz '^FuzzParseEvents$$' -fuzztime $(FUZZTIME)
	$(GO) test ./querylimit -run '^$$' -fuzz FuzzCheck -fuzztime $(FUZZTIME)
	$(GO) test ./ratelimit -run '^$$' -fuzz FuzzQueryCost -fuzztime $(FUZZTIME) # issue 13
	$(GO) test ./ratelimit -run '^$$' -fuzz FuzzHeaders -fuzztime $(FUZZTIME)
	$(GO) test ./apperrors/envelope -run '^$$' -fuzz FuzzParseEnvelope -fuzztime $(FUZZTIME) # issue 16

clean:
	rm -rf bin

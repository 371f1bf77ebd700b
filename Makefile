# Plenary: the two commands to know are `make run` and `make test`.
# Everything here needs only Go; templ runs through `go tool templ`.

GO        ?= go
BIN       ?= bin/plenary
DATA      ?= ./data
ADDR      ?= 127.0.0.1:8080
DOCS      ?=
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
TEST_TIMEOUT ?= 30m
IMAGE     ?= plenary:$(VERSION)

.DEFAULT_GOAL := help
.PHONY: help run build test vet generate check-generated fmt bench bench-http docker clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

run: build ## build, then serve DATA on ADDR (index DOCS first if given: make run DOCS=folder)
	$(BIN) serve --data "$(DATA)" --addr "$(ADDR)" $(if $(DOCS),--docs "$(DOCS)")

build: ## build a static binary into bin/plenary
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/plenary

test: vet check-generated ## vet, check generated code, run all tests with the race detector
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

.PHONY: test-browser screenshot
test-browser: ## run only the end-to-end tests in headless Chromium (screenshots to PLENARY_ARTIFACTS)
	$(GO) test -race -count=1 -timeout 5m -v ./cmd/plenary/browser/

screenshot: ## regenerate docs/screenshot.png with headless Chromium
	$(GO) test -count=1 -run '^TestSearch$$' ./cmd/plenary/browser/ -args -readme-screenshot

# Optional: ONNX Runtime instead of the pure-Go runtime for onnx: and hf:
# models, many times faster. Needs cgo, a C compiler and libonnxruntime.so
# (1.23 or newer; see docs/performance.md for where to get it). The default
# build, CI and the Docker image stay pure Go.
ORT_LIB ?= /usr/local/lib
.PHONY: build-ort test-ort bench-ort
build-ort: ## optional: build bin/plenary-ort with ONNX Runtime (cgo; run it with PLENARY_ORT_LIBRARY=.../libonnxruntime.so)
	CGO_ENABLED=1 $(GO) build -tags ort -trimpath -ldflags "$(LDFLAGS)" -o bin/plenary-ort ./cmd/plenary

test-ort: ## optional: test the ONNX Runtime backend (ORT_LIB=folder holding libonnxruntime.so)
	LD_LIBRARY_PATH="$(ORT_LIB)" CGO_ENABLED=1 $(GO) test -tags ort -count=1 ./embed/onnx/... ./embed/spec/

bench-ort: ## optional: passages/s of the MiniLM-architecture model, pure Go and ONNX Runtime
	LD_LIBRARY_PATH="$(ORT_LIB)" CGO_ENABLED=1 $(GO) test -tags ort -run '^$$' -bench 'MiniLMArch' -benchtime 3x -timeout $(TEST_TIMEOUT) ./embed/onnx/

vet: ## go vet
	$(GO) vet ./...

generate: ## regenerate templ components (*_templ.go)
	$(GO) tool templ generate

# Regenerates into a temporary copy of the tree and compares, so that the
# check works without git and never touches the working tree.
check-generated: ## fail if committed *_templ.go differ from `go tool templ generate`
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	tar --exclude=./.git --exclude=./data --exclude=./bin -cf - . | tar -xf - -C "$$tmp" && \
	out=$$(cd "$$tmp" && $(GO) tool templ generate 2>&1) || { echo "$$out"; exit 1; } && \
	stale=$$(cd "$$tmp" && find . -name '*_templ.go' | while read -r f; do cmp -s "$$f" "$(CURDIR)/$$f" 2>/dev/null || echo "$${f#./}"; done) && \
	if [ -n "$$stale" ]; then \
		echo "generated templ code is stale; run 'make generate' and commit:"; echo "$$stale"; exit 1; \
	fi; \
	echo "generated templ code is up to date"

fmt: ## gofmt and templ fmt the tree
	gofmt -w .
	$(GO) tool templ fmt .

# BENCH selects benchmarks, BENCH_COUNT repeats each (the table shows the
# median), BENCH_FLAGS adds flags (-short skips the 100,000-passage scale).
BENCH       ?= .
BENCH_COUNT ?= 3
BENCH_PKGS  ?= ./...
BENCH_FLAGS ?=
bench: ## run the benchmarks (1k/10k/100k passages) BENCH_COUNT times and print a table of medians
	@out=$$(mktemp) && trap 'rm -f "$$out"' EXIT && \
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(BENCH_COUNT) -timeout $(TEST_TIMEOUT) $(BENCH_FLAGS) $(BENCH_PKGS) | tee "$$out" && \
	echo && echo "median of $(BENCH_COUNT) runs; nproc=$$(nproc); $$(uptime | sed 's/.*load/load/')" && \
	awk ' \
		/^pkg: / { pkg = $$2; sub(".*/plenary/", "", pkg) } \
		/^Benchmark/ && NF >= 4 { \
			name = pkg "." $$1; sub(/-[0-9]+$$/, "", name); \
			if (!(name in n)) order[++names] = name; \
			n[name]++; ns[name, n[name]] = $$3; \
			for (i = 5; i < NF; i += 2) if ($$(i+1) == "passages/s") rate[name, n[name]] = $$i; \
		} \
		function median(arr, key, cnt,   i, j, t, v) { \
			for (i = 1; i <= cnt; i++) v[i] = arr[key, i] + 0; \
			for (i = 2; i <= cnt; i++) for (j = i; j > 1 && v[j-1] > v[j]; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t } \
			return v[int((cnt + 1) / 2)]; \
		} \
		END { \
			printf "%-72s %14s %12s\n", "benchmark", "median", "passages/s"; \
			for (k = 1; k <= names; k++) { \
				name = order[k]; t = median(ns, name, n[name]); \
				u = t >= 1e9 ? sprintf("%.2f s", t / 1e9) : t >= 1e6 ? sprintf("%.2f ms", t / 1e6) : t >= 1e3 ? sprintf("%.1f µs", t / 1e3) : sprintf("%d ns", t); \
				r = ((name, 1) in rate) ? sprintf("%.0f", median(rate, name, n[name])) : ""; \
				printf "%-72s %14s %12s\n", name, u, r; \
			} \
		}' "$$out"

# bench-http indexes a synthetic corpus of HTTP_PASSAGES passages sampled
# from HTTP_SOURCES, serves it, and measures through HTTP: the indexing
# rate, the time from starting the server to its first answered search,
# latency and throughput with 1 and HTTP_CLIENTS clients, and the
# server's memory.
HTTP_PASSAGES ?= 10000
HTTP_SOURCES  ?= ../shared/datasets/fmprc_pressconf/corpus.jsonl,../shared/datasets/interpret_china/corpus.jsonl
HTTP_CLIENTS  ?= 8
HTTP_REQUESTS ?= 500
HTTP_PORT     ?= 18089
bench-http: build ## measure indexing, start-up, latency, throughput and memory through HTTP (HTTP_PASSAGES=100000)
	@set -e; tmp=$$(mktemp -d); pid=; \
	trap 'test -n "$$pid" && kill $$pid 2>/dev/null; rm -rf "$$tmp"' EXIT; \
	$(GO) build -o "$$tmp/plenary-gen" ./cmd/plenary-gen; \
	$(GO) build -o "$$tmp/plenary-load" ./cmd/plenary-load; \
	"$$tmp/plenary-gen" --from "$(HTTP_SOURCES)" --passages $(HTTP_PASSAGES) > "$$tmp/corpus.jsonl"; \
	echo "== index ($(HTTP_PASSAGES) passages; nproc=$$(nproc); $$(uptime | sed 's/.*load/load/'))"; \
	/usr/bin/time -f "index wall=%es user=%Us sys=%Ss maxrss=%MkB" $(BIN) --log-level warn index --data "$$tmp/data" "$$tmp/corpus.jsonl"; \
	echo "== re-index, unchanged"; \
	$(BIN) --log-level warn index --data "$$tmp/data" "$$tmp/corpus.jsonl"; \
	echo "== start-up: serve until the first search is answered"; \
	start=$$(date +%s%N); \
	$(BIN) --log-level warn serve --data "$$tmp/data" --addr 127.0.0.1:$(HTTP_PORT) & pid=$$!; \
	until $(BIN) --log-level error healthcheck --addr 127.0.0.1:$(HTTP_PORT) >/dev/null 2>&1; do sleep 0.02; done; \
	"$$tmp/plenary-load" --url http://127.0.0.1:$(HTTP_PORT) --corpus "$$tmp/corpus.jsonl" -n 1 --warmup 0 >/dev/null; \
	echo "first search answered $$(( ($$(date +%s%N) - start) / 1000000 )) ms after start"; \
	grep -E 'VmRSS' /proc/$$pid/status; \
	for c in 1 $(HTTP_CLIENTS); do \
		echo "== $$c client(s)"; \
		"$$tmp/plenary-load" --url http://127.0.0.1:$(HTTP_PORT) --corpus "$$tmp/corpus.jsonl" -n $(HTTP_REQUESTS) -c $$c --pid $$pid; \
	done

docker: ## build the container image
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE) .

clean: ## remove the binary (not the data)
	rm -rf bin

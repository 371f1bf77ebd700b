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
.PHONY: help run build test vet generate check-generated fmt bench docker clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

run: build ## build, then serve DATA on ADDR (index DOCS first if given: make run DOCS=folder)
	$(BIN) serve --data "$(DATA)" --addr "$(ADDR)" $(if $(DOCS),--docs "$(DOCS)")

build: ## build a static binary into bin/plenary
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/plenary

test: vet check-generated ## vet, check generated code, run all tests with the race detector
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

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

bench: ## run all benchmarks once
	$(GO) test -run '^$$' -bench . -benchmem -timeout $(TEST_TIMEOUT) ./...

docker: ## build the container image
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE) .

clean: ## remove the binary (not the data)
	rm -rf bin

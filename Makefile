# Jetplane: `make run` starts the all-in-one control plane, `make test` runs every test.
GO      ?= go
BIN     := bin
IMAGES  := $(BIN)/images
DATA    ?= jetplane-data
HELLO_TAGS := 1 2 broken

.PHONY: all build images run test bench bench-go clean

all: build images

build:
	CGO_ENABLED=0 $(GO) build -ldflags "-X main.version=$$(git describe --always --dirty 2>/dev/null || echo dev)" -o $(BIN)/jetplane ./cmd/jetplane

# Process-runtime images: <images>/<repo>/<name>/<tag>/entrypoint.
images:
	@for t in $(HELLO_TAGS); do \
		CGO_ENABLED=0 $(GO) build -ldflags "-X main.version=$$t" -o $(IMAGES)/jetplane/hello/$$t/entrypoint ./examples/hello || exit 1; \
	done

run: build images
	$(BIN)/jetplane up --data $(DATA) --images $(IMAGES)

test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 25m ./...

# The load test, small preset (100 hollow nodes, 2,000 pods): a table of
# figures beside the raw JetStream ceiling of the same run, loadtest.json and
# loadtest.html. PRESET=large for 1,000 nodes and 100,000 pods.
PRESET ?= small
bench: build
	$(BIN)/jetplane loadtest --preset $(PRESET) --json $(BIN)/loadtest-$(PRESET).json --html $(BIN)/loadtest-$(PRESET).html

# Hot-path Go benchmarks, each beside the raw JetStream figure of the same run.
bench-go:
	$(GO) test -run '^$$' -bench . ./events/natslog/ ./projections/ ./gateway/ ./services/scheduler/placement/

clean:
	rm -rf $(BIN)

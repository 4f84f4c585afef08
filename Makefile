# Jetplane: `make run` starts the all-in-one control plane, `make test` runs every test.
GO      ?= go
BIN     := bin
IMAGES  := $(BIN)/images
DATA    ?= jetplane-data
HELLO_TAGS := 1 2 broken

.PHONY: all build images run test bench clean

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

# Hot-path benchmarks, each beside the raw JetStream figure of the same run.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 2000x ./events/ ./projections/ ./gateway/

clean:
	rm -rf $(BIN)

# Jetplane: `make run` starts the all-in-one control plane, `make test` runs every test.
GO      ?= go
BIN     := bin
IMAGES  := $(BIN)/images
DATA    ?= jetplane-data
HELLO_TAGS := 1 2 broken

.PHONY: all build images docker-images deps tools run test bench bench-go clean cluster-image cluster cluster-down chaos

all: build images

build:
	CGO_ENABLED=0 $(GO) build -ldflags "-X main.version=$$(git describe --always --dirty 2>/dev/null || echo dev)" -o $(BIN)/jetplane ./cmd/jetplane

# Process-runtime images: <images>/<repo>/<name>/<tag>/entrypoint.
images:
	@for t in $(HELLO_TAGS); do \
		CGO_ENABLED=0 $(GO) build -ldflags "-X main.version=$$t" -o $(IMAGES)/jetplane/hello/$$t/entrypoint ./examples/hello || exit 1; \
	done

# Debian packages the tests need: busybox-static (the toolbox image),
# nftables and iproute2 (the ClusterIP data path and its tests).
DEBS := busybox-static nftables iproute2
deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing$$missing"; apt-get update -qq && apt-get install -y -qq $$missing; fi

# Third-party programs the tests run, pinned, built from the Go module proxy
# into bin/tools/<module@version>/ (the tests name the same versions):
# Kubernetes' sample-controller (its CRD, a Foo, the Deployment it makes)
# and Helm (a scaffolded chart installed, tested, upgraded, rolled back).
TOOLS_DIR         := $(abspath $(BIN)/tools)
SAMPLE_CONTROLLER := k8s.io/sample-controller@v0.36.4
HELM              := helm.sh/helm/v4@v4.3.2
tools:
	@test -x $(TOOLS_DIR)/$(SAMPLE_CONTROLLER)/sample-controller || \
		GOBIN=$(TOOLS_DIR)/$(SAMPLE_CONTROLLER) $(GO) install $(SAMPLE_CONTROLLER)
	@test -x $(TOOLS_DIR)/$(HELM)/helm || \
		GOBIN=$(TOOLS_DIR)/$(HELM) $(GO) install helm.sh/helm/v4/cmd/helm@$(lastword $(subst @, ,$(HELM)))

# Docker images (FROM scratch): jetplane/hello:<tag> and jetplane/toolbox:1.
docker-images: deps
	@for t in $(HELLO_TAGS); do \
		mkdir -p $(BIN)/docker/hello-$$t && \
		CGO_ENABLED=0 $(GO) build -ldflags "-X main.version=$$t" -o $(BIN)/docker/hello-$$t/hello ./examples/hello && \
		docker build -q -f deploy/hello.Dockerfile -t jetplane/hello:$$t $(BIN)/docker/hello-$$t || exit 1; \
	done
	mkdir -p $(BIN)/docker/toolbox && cp /bin/busybox $(BIN)/docker/toolbox/
	docker build -q -f deploy/toolbox/Dockerfile -t jetplane/toolbox:1 $(BIN)/docker/toolbox

# A cluster on this machine's Docker (deploy/compose.yaml): three NATS nodes,
# two gateways behind 127.0.0.1:16443, two of each controller, three hosts.
# Its files (CA, keys, credentials, kubeconfig) are in bin/cluster.
COMPOSE       ?= docker-compose
CLUSTER_DIR   := $(BIN)/cluster
CLUSTER_HOSTS := host-1,host-2,host-3
CLUSTER       := $(COMPOSE) -p jetplane -f deploy/compose.yaml
cluster-image: build images docker-images
	rm -rf $(BIN)/docker/jetplane && mkdir -p $(BIN)/docker/jetplane
	cp $(BIN)/jetplane $(BIN)/docker/jetplane/ && cp -r $(IMAGES) $(BIN)/docker/jetplane/images
	docker build -q -f deploy/jetplane.Dockerfile -t jetplane/jetplane:dev $(BIN)/docker/jetplane

cluster: cluster-image
	$(BIN)/jetplane cluster-files --dir $(CLUSTER_DIR) --nats-hosts nats-1,nats-2,nats-3 \
		--gateway-hosts gateway-1,gateway-2,balancer --nodes $(CLUSTER_HOSTS) --server https://127.0.0.1:16443
	JETPLANE_CLUSTER_DIR=$(abspath $(CLUSTER_DIR)) $(CLUSTER) up -d
	@echo "export KUBECONFIG=$(abspath $(CLUSTER_DIR))/kubeconfig; kubectl get nodes"

# Faults into the running cluster (make cluster first), Jetplane's checker
# over the whole log afterwards (jetplane chaos): a table of fault, writes
# acknowledged/lost, invariant violations, convergence time.
chaos: build
	KUBECONFIG=$(abspath $(CLUSTER_DIR))/kubeconfig deploy/chaos.sh

cluster-down:
	JETPLANE_CLUSTER_DIR=$(abspath $(CLUSTER_DIR)) $(CLUSTER) down -v --remove-orphans

run: build images
	$(BIN)/jetplane up --data $(DATA) --images $(IMAGES)

test: deps tools
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

# jetplane/hello:<version> — the sample app, a static binary on scratch.
# Build the binary first (CGO_ENABLED=0 go build -ldflags "-X main.version=1"
# -o bin/hello ./examples/hello), then: docker build -f deploy/hello.Dockerfile -t jetplane/hello:1 .
FROM scratch
COPY bin/hello /hello
EXPOSE 8080
USER 65534:65534
ENTRYPOINT ["/hello"]

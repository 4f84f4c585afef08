# jetplane/hello:<version> — the sample app, a static binary on scratch.
# The build context is a directory holding only the binary, named hello:
#   CGO_ENABLED=0 go build -ldflags "-X main.version=1" -o bin/docker/hello-1/hello ./examples/hello
#   docker build -f deploy/hello.Dockerfile -t jetplane/hello:1 bin/docker/hello-1
# `make docker-images` and helloimage.BuildDocker do this for 1, 2 and broken.
FROM scratch
COPY hello /hello
EXPOSE 8080
USER 65534:65534
ENTRYPOINT ["/hello"]

# jetplane — the single binary (up, nats, gateway, scheduler, controller,
# endpoints, agent) on scratch. Build it first:
# CGO_ENABLED=0 go build -o bin/jetplane ./cmd/jetplane
FROM scratch
COPY bin/jetplane /jetplane
EXPOSE 4222 6443
ENTRYPOINT ["/jetplane"]

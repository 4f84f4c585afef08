# jetplane — the single binary (up, nats, gateway, scheduler, controller,
# endpoints, agent, balance) on scratch, with the process-runtime images the
# cluster's agents run (/images/jetplane/hello/<tag>/entrypoint). `make
# cluster-image` stages its context in bin/docker/jetplane.
FROM scratch
COPY jetplane /jetplane
COPY images /images
EXPOSE 4222 6222 6443
ENTRYPOINT ["/jetplane"]

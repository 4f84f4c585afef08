// Package helloimage builds the sample app's images, versioned by tag
// (the binary's main.version): jetplane/hello:1, jetplane/hello:2 and
// jetplane/hello:broken.
//
// Build makes process-runtime images,
// <imagesDir>/jetplane/hello/<tag>/entrypoint, static executables that need
// no Docker. BuildDocker makes the Docker images (FROM scratch, from
// deploy/hello.Dockerfile) through the engine's build API; tests call it
// when an image is missing, `make docker-images` does the same with the
// docker CLI.
package helloimage

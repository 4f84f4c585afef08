// Package dockertest gives tests a real Docker engine: Engine fails the
// test when JETPLANE_REQUIRE_DOCKER=1 (CI) and no engine answers, and skips
// it with a clear message otherwise; HelloImages builds jetplane/hello
// images that are missing; RemoveNodeContainers cleans up what a test's
// node left on the engine.
package dockertest

// Package toolbox builds jetplane/toolbox:1, the image of busybox's
// commands (sh, nslookup, wget, env, cat, tar, sleep) that the tutorials'
// client pods and the end-to-end tests run, from Debian's busybox-static
// (/bin/busybox, which `make docker-images` and .ci/run install).
package toolbox

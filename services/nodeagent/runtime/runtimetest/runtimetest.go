// Package runtimetest helps tests of pods on the process runtime.
package runtimetest

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedDir is a temporary directory the test's containers may write to:
// the process runtime runs them as nobody (65534) under a root agent,
// while t.TempDir (and the test's directory above it) is its creator's
// alone.
func SharedDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	// Sticky, like /tmp: every container may add files.
	if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	return dir
}

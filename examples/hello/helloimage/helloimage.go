package helloimage

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"time"
)

// Path is where the image of a tag lives under imagesDir.
func Path(imagesDir, tag string) string {
	return filepath.Join(imagesDir, "jetplane", "hello", tag, "entrypoint")
}

// Build runs `go build` once per tag; a tag whose executable already exists
// and is newer than the hello sources is left alone.
func Build(ctx context.Context, imagesDir string, tags ...string) error {
	src, err := sourceDir()
	if err != nil {
		return err
	}
	newest := newestSource(src)
	for _, tag := range tags {
		out := Path(imagesDir, tag)
		if st, err := os.Stat(out); err == nil && !st.ModTime().Before(newest) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return fmt.Errorf("hello image %s: %w", tag, err)
		}
		// Build beside the target and rename: a reader never sees half a file.
		tmp := out + ".tmp"
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", tmp,
			"-ldflags", "-s -w -X main.version="+tag, ".")
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("hello image %s: go build: %w: %s", tag, err, msg)
		}
		if err := os.Rename(tmp, out); err != nil {
			return fmt.Errorf("hello image %s: %w", tag, err)
		}
	}
	return nil
}

func newestSource(dir string) time.Time {
	var newest time.Time
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.ModTime().After(newest) {
			newest = st.ModTime()
		}
	}
	return newest
}

// sourceDir finds examples/hello from this file's own location.
func sourceDir() (string, error) {
	_, file, _, ok := goruntime.Caller(0)
	if !ok {
		return "", fmt.Errorf("hello image: cannot locate the hello sources")
	}
	dir := filepath.Dir(filepath.Dir(file))
	if _, err := os.Stat(filepath.Join(dir, "main.go")); err != nil {
		return "", fmt.Errorf("hello image: sources not found: %w", err)
	}
	return dir, nil
}

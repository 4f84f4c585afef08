package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ImagePath maps an image reference to its process-runtime executable:
// [registry/]repo/name[:tag] → <imagesDir>/<repo>/<name>/<tag>/entrypoint.
// A single-part name is in repo "library" (as on Docker Hub); the tag
// defaults to "latest".
func ImagePath(imagesDir, image string) (string, error) {
	ref := image
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		return "", fmt.Errorf("image %q: digests are not supported by the process runtime", image)
	}
	tag := "latest"
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref, tag = ref[:i], ref[i+1:]
	}
	parts := strings.Split(ref, "/")
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		parts = parts[1:] // a registry host: images are local anyway
	}
	if len(parts) == 1 {
		parts = append([]string{"library"}, parts...)
	}
	for _, p := range append(parts, tag) {
		if p == "" || p == "." || p == ".." {
			return "", fmt.Errorf("image %q: invalid reference", image)
		}
	}
	return filepath.Join(append(append([]string{imagesDir}, parts...), tag, "entrypoint")...), nil
}

// imageIDs caches the digest of each executable by path, size and mtime.
type imageIDs struct {
	mu    sync.Mutex
	cache map[string]imageIDEntry
}

type imageIDEntry struct {
	size int64
	mod  time.Time
	id   string
}

func (c *imageIDs) of(path string, st os.FileInfo) string {
	c.mu.Lock()
	e, ok := c.cache[path]
	c.mu.Unlock()
	if ok && e.size == st.Size() && e.mod.Equal(st.ModTime()) {
		return e.id
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	id := "sha256:" + hex.EncodeToString(h.Sum(nil))
	c.mu.Lock()
	if c.cache == nil {
		c.cache = map[string]imageIDEntry{}
	}
	c.cache[path] = imageIDEntry{size: st.Size(), mod: st.ModTime(), id: id}
	c.mu.Unlock()
	return id
}

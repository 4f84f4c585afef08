package nodeagent

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jetplane/jetplane/podvolumes"
)

// The kubelet's atomic writer, in our own words: a volume directory holds
// its files in a timestamped directory "..<time>", a symlink "..data" to
// it, and for each top-level name a symlink "<name>" → "..data/<name>". An
// update writes a new timestamped directory and renames a new "..data"
// over the old one, so that a container reading the volume sees the old
// files or the new ones, never a mix.

const dataLink = "..data"

// writeAtomic makes dir hold exactly files; it reports whether anything
// changed.
func writeAtomic(dir string, files map[string]podvolumes.File) (bool, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("volume %s: %w", dir, err)
	}
	old, _ := os.Readlink(filepath.Join(dir, dataLink))
	if old != "" && sameFiles(filepath.Join(dir, old), files) {
		return false, nil
	}
	ts, err := os.MkdirTemp(dir, ".."+time.Now().UTC().Format("2006_01_02_15_04_05."))
	if err != nil {
		return false, fmt.Errorf("volume %s: %w", dir, err)
	}
	if err := os.Chmod(ts, 0o755); err != nil {
		return false, err
	}
	tops := map[string]bool{}
	for p, f := range files {
		full := filepath.Join(ts, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return false, fmt.Errorf("volume %s: %w", dir, err)
		}
		if err := os.WriteFile(full, f.Data, fs.FileMode(f.Mode)&fs.ModePerm); err != nil {
			return false, fmt.Errorf("volume %s: %w", dir, err)
		}
		if err := os.Chmod(full, fs.FileMode(f.Mode)&fs.ModePerm); err != nil { // past the umask
			return false, fmt.Errorf("volume %s: %w", dir, err)
		}
		top, _, _ := strings.Cut(p, "/")
		tops[top] = true
	}
	tmp := filepath.Join(dir, dataLink+"_tmp")
	_ = os.Remove(tmp)
	if err := os.Symlink(filepath.Base(ts), tmp); err != nil {
		return false, fmt.Errorf("volume %s: %w", dir, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, dataLink)); err != nil {
		return false, fmt.Errorf("volume %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	for _, e := range entries { // names gone from the new set
		if !strings.HasPrefix(e.Name(), "..") && !tops[e.Name()] {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	for top := range tops {
		link := filepath.Join(dir, top)
		if target, err := os.Readlink(link); err == nil && target == filepath.Join(dataLink, top) {
			continue
		}
		_ = os.RemoveAll(link)
		if err := os.Symlink(filepath.Join(dataLink, top), link); err != nil {
			return false, fmt.Errorf("volume %s: %w", dir, err)
		}
	}
	if old != "" {
		_ = os.RemoveAll(filepath.Join(dir, old))
	}
	return true, nil
}

// sameFiles tells whether dir holds exactly files, with their modes.
func sameFiles(dir string, files map[string]podvolumes.File) bool {
	n := 0
	same := true
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		f, ok := files[filepath.ToSlash(rel)]
		info, ierr := d.Info()
		data, rerr := os.ReadFile(p)
		if !ok || ierr != nil || rerr != nil || info.Mode().Perm() != fs.FileMode(f.Mode)&fs.ModePerm || !bytes.Equal(data, f.Data) {
			same = false
			return fs.SkipAll
		}
		n++
		return nil
	})
	return err == nil && same && n == len(files)
}

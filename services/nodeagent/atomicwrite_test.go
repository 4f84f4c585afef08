package nodeagent

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/jetplane/jetplane/podvolumes"
)

func TestWriteAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vol")
	read := func(p string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			return "<" + err.Error() + ">"
		}
		return string(b)
	}
	changed, err := writeAtomic(dir, map[string]podvolumes.File{"a": {Data: []byte("1"), Mode: 0o644}, "sub/b": {Data: []byte("2"), Mode: 0o600}})
	if err != nil || !changed || read("a") != "1" || read("sub/b") != "2" {
		t.Fatalf("first write: %v %v %q %q", changed, err, read("a"), read("sub/b"))
	}
	first, _ := os.Readlink(filepath.Join(dir, dataLink))
	if target, _ := os.Readlink(filepath.Join(dir, "a")); target != filepath.Join(dataLink, "a") {
		t.Fatalf("a links to %q", target)
	}
	if st, _ := os.Stat(filepath.Join(dir, "sub/b")); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	if changed, err := writeAtomic(dir, map[string]podvolumes.File{"a": {Data: []byte("1"), Mode: 0o644}, "sub/b": {Data: []byte("2"), Mode: 0o600}}); changed || err != nil {
		t.Fatalf("the same files again: changed %v, %v", changed, err)
	}
	changed, err = writeAtomic(dir, map[string]podvolumes.File{"a": {Data: []byte("one"), Mode: 0o644}, "c": {Data: []byte("3"), Mode: 0o644}})
	if err != nil || !changed || read("a") != "one" || read("c") != "3" {
		t.Fatalf("update: %v %v", changed, err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "sub")); !os.IsNotExist(err) {
		t.Fatalf("a name gone from the set is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, first)); !os.IsNotExist(err) {
		t.Fatalf("the previous timestamped directory is still there: %v", err)
	}
}

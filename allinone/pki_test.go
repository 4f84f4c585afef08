package allinone

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/jetplane/jetplane/authn"
)

// The ServiceAccount key is made once, private to its owner, and read back
// on the next start, so that tokens outlive a restart.
func TestServiceAccountKeyKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	first, err := loadServiceAccountKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "sa.key"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("sa.key mode %v, want 0600", fi.Mode().Perm())
	}
	again, err := loadServiceAccountKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := authn.KeyID(first.Public())
	b, _ := authn.KeyID(again.Public())
	if a != b {
		t.Errorf("key changed across starts: %s then %s", a, b)
	}
}

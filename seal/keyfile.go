package seal

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Key files of a data directory: seal.key holds the private key's seed
// (hex, 0600), seal.pub the public key (hex) that verification trusts.
const (
	PrivateKeyFile = "seal.key"
	PublicKeyFile  = "seal.pub"
)

// EnsureKey loads the seal key kept in dir, making it on first use.
func EnsureKey(dir string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(filepath.Join(dir, PrivateKeyFile))
	if err == nil {
		seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("seal key %s: not a hex ed25519 seed", filepath.Join(dir, PrivateKeyFile))
		}
		return ed25519.NewKeyFromSeed(seed), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, PrivateKeyFile), []byte(hex.EncodeToString(key.Seed())+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, PublicKeyFile), []byte(hex.EncodeToString(pub)+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	return key, nil
}

// ReadPublicKey reads a seal.pub file.
func ReadPublicKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seal public key: %w", err)
	}
	pub, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("seal public key %s: not a hex ed25519 key", path)
	}
	return pub, nil
}

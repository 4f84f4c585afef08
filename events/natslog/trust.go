package natslog

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// A cluster's NATS runs in operator mode (decentralised JWT auth): an
// operator key signs two accounts, the system account and Jetplane's, and
// Jetplane's account key signs one user JWT per identity, carrying that
// identity's subject permissions (permissions.go). The server trusts the
// operator and holds the two account JWTs in memory; a new identity needs
// no server change, only a user JWT signed by the account key — which is
// what `jetplane credentials` mints. Nothing connects without a user JWT.

// Trust is the keys and JWTs of a cluster's NATS operator and accounts.
// Jetplane's account holds the streams and the control plane; the readers'
// account (accounts.go) holds the node agents, proxies and auditors, who
// read a mirror of EVENTS there.
type Trust struct {
	OperatorJWT, SystemJWT, AccountJWT, ReadersJWT string
	// Account, Readers and System are the accounts' public keys.
	Account, Readers, System string
	// accountSeed and readersSeed sign user JWTs; nil when the trust was
	// loaded without them.
	accountSeed, readersSeed []byte
}

// Files of a trust directory; *.nk are secret (0600).
const (
	operatorJWTFile  = "operator.jwt"
	operatorSeedFile = "operator.nk"
	systemJWTFile    = "system.jwt"
	accountJWTFile   = "account.jwt"
	accountSeedFile  = "account.nk"
	readersJWTFile   = "readers.jwt"
	readersSeedFile  = "readers.nk"
)

// NewTrust makes a new operator and accounts, with their keys.
func NewTrust() (*Trust, []byte, error) {
	op, err := nkeys.CreateOperator()
	if err != nil {
		return nil, nil, fmt.Errorf("operator key: %w", err)
	}
	opPub, _ := op.PublicKey()
	oc := jwt.NewOperatorClaims(opPub)
	oc.Name = "jetplane"
	t := &Trust{}
	if t.OperatorJWT, err = oc.Encode(op); err != nil {
		return nil, nil, fmt.Errorf("operator jwt: %w", err)
	}
	var sysSeed []byte
	if t.System, t.SystemJWT, sysSeed, err = newAccount(op, "SYS", false); err != nil {
		return nil, nil, err
	}
	_ = sysSeed // the system account signs no user: nobody logs into it
	// Each of the two accounts names the other in its imports: keys first.
	jetKey, err := nkeys.CreateAccount()
	if err != nil {
		return nil, nil, fmt.Errorf("account key JETPLANE: %w", err)
	}
	readersKey, err := nkeys.CreateAccount()
	if err != nil {
		return nil, nil, fmt.Errorf("account key READERS: %w", err)
	}
	t.Account, _ = jetKey.PublicKey()
	t.Readers, _ = readersKey.PublicKey()
	t.accountSeed, _ = jetKey.Seed()
	t.readersSeed, _ = readersKey.Seed()
	if err := t.signAccounts(op); err != nil {
		return nil, nil, err
	}
	opSeed, _ := op.Seed()
	return t, opSeed, nil
}

func newAccount(op nkeys.KeyPair, name string, jetStream bool, wire ...func(*jwt.AccountClaims)) (pub, token string, seed []byte, err error) {
	kp, err := nkeys.CreateAccount()
	if err != nil {
		return "", "", nil, fmt.Errorf("account key %s: %w", name, err)
	}
	pub, _ = kp.PublicKey()
	if token, err = accountJWT(op, pub, name, jetStream, wire...); err != nil {
		return "", "", nil, err
	}
	seed, _ = kp.Seed()
	return pub, token, seed, nil
}

// accountJWT signs account pub's claims: its name, JetStream limits and the
// exports and imports wire adds.
func accountJWT(op nkeys.KeyPair, pub, name string, jetStream bool, wire ...func(*jwt.AccountClaims)) (string, error) {
	ac := jwt.NewAccountClaims(pub)
	ac.Name = name
	for _, w := range wire {
		w(ac)
	}
	if jetStream {
		ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1,
			MaxAckPending: -1, MemoryMaxStreamBytes: -1, DiskMaxStreamBytes: -1}
	}
	token, err := ac.Encode(op)
	if err != nil {
		return "", fmt.Errorf("account jwt %s: %w", name, err)
	}
	return token, nil
}

// signAccounts signs the JETPLANE and READERS accounts' claims, each wired
// to the other.
func (t *Trust) signAccounts(op nkeys.KeyPair) error {
	readers, account := t.Readers, t.Account
	var err error
	if t.AccountJWT, err = accountJWT(op, account, "JETPLANE", true, func(ac *jwt.AccountClaims) { wireJetplane(ac, readers) }); err != nil {
		return err
	}
	t.ReadersJWT, err = accountJWT(op, readers, "READERS", true, func(ac *jwt.AccountClaims) { wireReaders(ac, account) })
	return err
}

// refreshAccounts signs the two accounts' claims anew with this version's
// exports and imports (a subject a newer Jetplane sends across them), keeping
// their keys, when the directory holds the operator key; else it leaves
// them.
func refreshAccounts(dir string, t *Trust) error {
	seed, err := os.ReadFile(filepath.Join(dir, operatorSeedFile))
	if err != nil {
		return nil // a node that only verifies: its operator signs elsewhere
	}
	op, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(seed))))
	if err != nil {
		return fmt.Errorf("trust: operator key: %w", err)
	}
	stored := map[string]string{accountJWTFile: t.AccountJWT, readersJWTFile: t.ReadersJWT}
	if err := t.signAccounts(op); err != nil {
		return err
	}
	for name, token := range map[string]string{accountJWTFile: t.AccountJWT, readersJWTFile: t.ReadersJWT} {
		if sameAccountClaims(stored[name], token) {
			continue // nothing new: the directory may be read-only (a cluster's shared files)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(token), 0o600); err != nil {
			if errors.Is(err, syscall.EROFS) {
				continue // this server trusts the new claims from memory; the files' owner updates them
			}
			return fmt.Errorf("trust %s: %w", name, err)
		}
	}
	return nil
}

// sameAccountClaims tells whether two account JWTs say the same but for
// when they were signed.
func sameAccountClaims(a, b string) bool {
	ca, errA := jwt.DecodeAccountClaims(a)
	cb, errB := jwt.DecodeAccountClaims(b)
	if errA != nil || errB != nil {
		return false
	}
	ca.IssuedAt, cb.IssuedAt, ca.ID, cb.ID = 0, 0, "", ""
	ja, errA := json.Marshal(ca)
	jb, errB := json.Marshal(cb)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// EnsureTrust loads the trust kept in dir, making it on first use. The
// seeds are written 0600 in a 0700 directory.
//
// A directory whose operator exists but holds no account key (a server
// node that only verifies) is loaded as it is, never made anew: a new
// operator would lock every existing identity out.
func EnsureTrust(dir string) (*Trust, error) {
	if _, err := os.Stat(filepath.Join(dir, operatorJWTFile)); err == nil {
		t, err := LoadTrust(dir, true)
		if errors.Is(err, os.ErrNotExist) {
			return LoadTrust(dir, false)
		}
		if err != nil {
			return nil, err
		}
		return t, refreshAccounts(dir, t)
	}
	t, opSeed, err := NewTrust()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("trust dir: %w", err)
	}
	for name, data := range map[string][]byte{operatorSeedFile: opSeed, accountSeedFile: t.accountSeed,
		readersSeedFile: t.readersSeed, readersJWTFile: []byte(t.ReadersJWT),
		operatorJWTFile: []byte(t.OperatorJWT), systemJWTFile: []byte(t.SystemJWT), accountJWTFile: []byte(t.AccountJWT)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, fmt.Errorf("trust %s: %w", name, err)
		}
	}
	return t, nil
}

// LoadTrust reads a trust directory; withKey also reads the account seed
// that mints credentials (a NATS server that only verifies needs none).
func LoadTrust(dir string, withKey bool) (*Trust, error) {
	read := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		return strings.TrimSpace(string(b)), err
	}
	t := &Trust{}
	var err error
	if t.OperatorJWT, err = read(operatorJWTFile); err != nil {
		return nil, fmt.Errorf("trust: %w", err)
	}
	if t.SystemJWT, err = read(systemJWTFile); err != nil {
		return nil, fmt.Errorf("trust: %w", err)
	}
	if t.AccountJWT, err = read(accountJWTFile); err != nil {
		return nil, fmt.Errorf("trust: %w", err)
	}
	if t.ReadersJWT, err = read(readersJWTFile); err != nil {
		return nil, fmt.Errorf("trust: %w (a trust from before the readers' account: remove the directory and mint again)", err)
	}
	for _, a := range []struct {
		token string
		pub   *string
	}{{t.SystemJWT, &t.System}, {t.AccountJWT, &t.Account}, {t.ReadersJWT, &t.Readers}} {
		ac, err := jwt.DecodeAccountClaims(a.token)
		if err != nil {
			return nil, fmt.Errorf("trust: account jwt: %w", err)
		}
		*a.pub = ac.Subject
	}
	if withKey {
		seed, err := read(accountSeedFile)
		if err != nil {
			return nil, fmt.Errorf("trust: %w", err)
		}
		t.accountSeed = []byte(seed)
		if seed, err = read(readersSeedFile); err != nil {
			return nil, fmt.Errorf("trust: %w", err)
		}
		t.readersSeed = []byte(seed)
	}
	return t, nil
}

// Credentials are one identity's NATS user JWT and seed, in the .creds
// format of the NATS tools.
type Credentials []byte

// CanMint tells whether the trust holds the account key that signs
// credentials.
func (t *Trust) CanMint() bool { return len(t.accountSeed) > 0 && len(t.readersSeed) > 0 }

// Mint signs a user JWT for id with its role's permissions over the
// assets cfg names, and returns it with the new user's seed.
func (t *Trust) Mint(id Identity, cfg Config) (Credentials, error) {
	if !t.CanMint() {
		return nil, errors.New("trust: no account key to sign credentials with")
	}
	if err := id.validate(); err != nil {
		return nil, err
	}
	seed := t.accountSeed
	if id.Role.reader() {
		seed = t.readersSeed
	}
	account, err := nkeys.FromSeed(seed)
	if err != nil {
		return nil, fmt.Errorf("trust: account key: %w", err)
	}
	user, err := nkeys.CreateUser()
	if err != nil {
		return nil, fmt.Errorf("user key: %w", err)
	}
	pub, _ := user.PublicKey()
	uc := jwt.NewUserClaims(pub)
	uc.Name = id.String()
	uc.Permissions = id.permissions(cfg)
	token, err := uc.Encode(account)
	if err != nil {
		return nil, fmt.Errorf("user jwt %s: %w", id, err)
	}
	userSeed, _ := user.Seed()
	creds, err := jwt.FormatUserConfig(token, userSeed)
	if err != nil {
		return nil, fmt.Errorf("creds %s: %w", id, err)
	}
	return creds, nil
}

// WriteFile stores credentials 0600.
func (c Credentials) WriteFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	if err := os.WriteFile(path, c, 0o600); err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	return nil
}

// ReadCredentials reads a .creds file.
func ReadCredentials(path string) (Credentials, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	return b, nil
}

// identity is who c says it is (the user JWT's name).
func (c Credentials) identity() (Identity, bool) {
	if len(c) == 0 {
		return Identity{}, false
	}
	token, err := jwt.ParseDecoratedJWT(c)
	if err != nil {
		return Identity{}, false
	}
	uc, err := jwt.DecodeUserClaims(token)
	if err != nil {
		return Identity{}, false
	}
	id, err := ParseIdentity(uc.Name)
	return id, err == nil
}

// options are the connect options that present c and use its identity's
// own inbox prefix (its permissions allow replies there only).
func (c Credentials) options() ([]nats.Option, error) {
	if len(c) == 0 {
		return nil, nil
	}
	token, err := jwt.ParseDecoratedJWT(c)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	kp, err := jwt.ParseDecoratedUserNKey(c)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	seed, _ := kp.Seed()
	uc, err := jwt.DecodeUserClaims(token)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	opts := []nats.Option{nats.UserJWTAndSeed(token, string(seed))}
	if id, err := ParseIdentity(uc.Name); err == nil {
		opts = append(opts, nats.CustomInboxPrefix(id.Inbox()))
	}
	return opts, nil
}

// routeSecretFile holds the password cluster routes authenticate with.
const routeSecretFile = "route.secret"

// RouteSecret is the trust directory's route password, made on first
// use (0600): every node of a cluster shares the directory, so its routes
// accept each other and nothing else.
func RouteSecret(dir string) (string, error) {
	path := filepath.Join(dir, routeSecretFile)
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("route secret: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("route secret: %w", err)
	}
	secret := hex.EncodeToString(raw)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("route secret: %w", err)
	}
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("route secret: %w", err)
	}
	return secret, nil
}

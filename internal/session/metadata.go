package session

import (
	"bytes"
	"context"
	"crypto/rand"
	"dialtone/auth"
	"dialtone/internal/idp"
	"dialtone/internal/regularfile"
	"dialtone/internal/sipaddr"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

const (
	metadataName     = "session.json" // the metadata file in Folder.Dir
	lockName         = "session.lock" // the cross-process lock file beside it
	metadataVersion  = 1
	maxMetadataSize  = 4 * idp.MaxBodySize // it holds several discovery documents and key sets
	maxCachedEmails  = 20                  // directory answers kept, most recent first
	corruptTimestamp = "20060102T150405.000Z"
)

// Metadata is everything about a session that is not secret. It is stored
// in a plain file, so it must never hold a token, an authorization code, a
// PKCE verifier, a nonce or a state: those live in memory, and the refresh
// token in the Keyring. The zero value is a signed-out user with no cache.
type Metadata struct {
	// LastEmail is the address last typed, to fill in the next time.
	LastEmail string `json:"last_email,omitempty"`
	// Session is the signed-in session; nil when signed out.
	Session *Record `json:"session,omitempty"`
	// Directory holds the last good provider-directory answer per
	// address (lower case), so a start while the directory is down still
	// shows the agent's providers, marked as cached. Use ProvidersFor and
	// CacheProviders rather than the map.
	Directory map[string]CachedProviders `json:"directory,omitempty"`
	// idp.Discovery holds each issuer's discovery document and key set, by
	// normalised issuer (see idp.NormalizeIssuer).
	Discovery map[string]auth.Snapshot `json:"discovery,omitempty"`
}

// Record is what a silent sign-in on the next launch needs besides
// the refresh token: who is signed in, and the provider configuration used,
// so no directory lookup is needed.
type Record struct {
	Email      string `json:"email"`
	Account    string `json:"account,omitempty"`
	ProviderID string `json:"provider_id"`
	Issuer     string `json:"issuer"`
	ClientID   string `json:"client_id"`
	Subject    string `json:"subject"`
	Name       string `json:"name,omitempty"`
	// idp.Provider is the provider configuration the session was made with.
	// Its ClientSecret, if any, is not confidential (see idp.Provider).
	Provider idp.Provider `json:"provider"`
	// AccessTokenExpiry is when the access token expires. The access
	// token itself is never stored.
	AccessTokenExpiry time.Time `json:"access_token_expiry,omitzero"`
	SignedInAt        time.Time `json:"signed_in_at,omitzero"`
	// RefreshedAt is when a process last spent the refresh token. Another
	// process that waited for the lock meanwhile trusts that refresh
	// instead of spending the rotated token again.
	RefreshedAt time.Time `json:"refreshed_at,omitzero"`
	// RefreshedAtSeal seals RefreshedAt with a key derived from the
	// refresh token that refresh stored (see sealRefresh in binding.go): a
	// time without a matching seal is not trusted.
	RefreshedAtSeal string `json:"refreshed_at_seal,omitempty"`
	// Line is the account's phone line, as the provider list gave it at
	// sign-in; nil when it has none.
	Line *sipaddr.Config `json:"line,omitempty"`
	// Binding seals the issuer's cached discovery document and Line with a
	// key derived from the refresh token (see seal in binding.go): the file
	// is not trusted, so an edited endpoint or registrar cannot send a
	// token elsewhere.
	Binding string `json:"binding,omitempty"`
}

// SecretKey is the keyring key of the session's refresh token.
func (r *Record) SecretKey() string { return SecretKey(r.Issuer, r.ClientID, r.Subject) }

// CachedProviders is a provider-directory answer and when it was fetched.
type CachedProviders struct {
	List      idp.ProviderList `json:"list"`
	FetchedAt time.Time        `json:"fetched_at"`
	// Seal binds the answer to the keyring (see DirectoryCache); an
	// answer without a matching one is not used.
	Seal string `json:"seal,omitempty"`
}

// ProvidersFor returns the cached directory answer for email.
func (m *Metadata) ProvidersFor(email string) (CachedProviders, bool) {
	c, ok := m.Directory[emailKey(email)]
	return c, ok
}

// CacheProviders stores list, with its seal, as the directory answer for
// email, keeping only the most recently fetched answers.
func (m *Metadata) CacheProviders(email string, list idp.ProviderList, fetchedAt time.Time, seal string) {
	if m.Directory == nil {
		m.Directory = map[string]CachedProviders{}
	}
	m.Directory[emailKey(email)] = CachedProviders{List: list, FetchedAt: fetchedAt, Seal: seal}
	keys := slices.SortedFunc(maps.Keys(m.Directory), func(a, b string) int {
		return m.Directory[b].FetchedAt.Compare(m.Directory[a].FetchedAt)
	})
	for _, k := range keys[min(len(keys), maxCachedEmails):] {
		delete(m.Directory, k)
	}
}

func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Folder reads and writes Metadata in one directory, and locks it
// across processes. Its zero value uses os.UserConfigDir()/dialtone.
type Folder struct {
	// Dir is the directory of the metadata file, created with mode 0700
	// when missing. It must be absolute. "" means
	// os.UserConfigDir()/dialtone.
	Dir string
}

// CorruptError reports a metadata file that could not be decoded. The file
// was renamed to SetAside (unless Err says that failed too) so it can be
// examined, and Load returned empty Metadata: the agent signs in again.
type CorruptError struct {
	Path     string
	SetAside string // "" when it could not be renamed
	Err      error
}

// Error describes the problem; it never contains a secret.
func (e *CorruptError) Error() string {
	if e.SetAside == "" {
		return fmt.Sprintf("session: the session file %s is damaged and was ignored: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("session: the session file %s was damaged and has been moved to %s: %v", e.Path, e.SetAside, e.Err)
}

// Unwrap returns the underlying cause.
func (e *CorruptError) Unwrap() error { return e.Err }

// Load reads the metadata. It always returns usable Metadata, empty when
// there is no file yet. A non-nil error is for the agent or the log, not
// fatal: a *CorruptError when the file was damaged (it has been set aside),
// or an I/O error when it could not be read (it is left in place).
//
// To change the metadata without losing another instance's change, hold
// Lock around Load and Save.
func (s *Folder) Load() (*Metadata, error) {
	dir, err := s.dir()
	if err != nil {
		return &Metadata{}, err
	}
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return &Metadata{}, nil
	}
	if err != nil {
		return &Metadata{}, fmt.Errorf("session: could not open the session folder %s: %w", dir, err)
	}
	defer root.Close()
	data, err := readLimited(root, metadataName)
	if errors.Is(err, fs.ErrNotExist) {
		return &Metadata{}, nil
	}
	if errors.Is(err, regularfile.ErrNotRegular) {
		return &Metadata{}, setAside(root, dir, err)
	}
	if err != nil {
		return &Metadata{}, fmt.Errorf("session: could not read the session file %s: %w", filepath.Join(dir, metadataName), err)
	}
	m, err := decodeMetadata(data)
	if err != nil {
		return &Metadata{}, setAside(root, dir, err)
	}
	return m, nil
}

// Save replaces the metadata file with m, atomically: it writes a
// temporary file in Dir with mode 0600, flushes it to disk, renames it over
// the old file and flushes the directory, so a crash or a full disk leaves
// either the old file or the new one, never a part. It writes nothing
// outside Dir (symbolic links leading out are refused).
func (s *Folder) Save(m *Metadata) error {
	data, err := encodeMetadata(m)
	if err != nil {
		return err
	}
	root, dir, err := s.openRoot()
	if err != nil {
		return err
	}
	defer root.Close()
	if err := writeFileAtomic(root, metadataName, data, createTemp); err != nil {
		return fmt.Errorf("session: could not save the session file %s: %w", filepath.Join(dir, metadataName), err)
	}
	return nil
}

// Lock takes the exclusive lock that serialises changes to the session
// (sign-in, refresh, sign-out) across Dialtone processes, waiting until it
// is free or ctx is done (then the error wraps ctx.Err()). It also
// excludes other Lock calls in this process on local file systems. The
// lock dies with the process, even on a crash. It fails at once when the
// lock file cannot be created (a read-only folder).
//
// Security duty: after Lock returns, Load the metadata and Get the refresh
// token again before refreshing: another instance may have spent and
// rotated the token while this one waited. Then refresh, Keyring.Set the
// new token, Save, and call unlock. Hold the lock only that long; other
// instances wait on it.
func (s *Folder) Lock(ctx context.Context) (unlock func() error, err error) {
	root, dir, err := s.openRoot()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := openLockFile(root)
	if err != nil {
		return nil, fmt.Errorf("session: could not open the lock file in %s: %w", dir, err)
	}
	if err := lockFile(ctx, f); err != nil {
		f.Close()
		return nil, fmt.Errorf("session: could not lock the session in %s: %w", dir, err)
	}
	removeOrphans(root, time.Now())
	return onceUnlock(f), nil
}

// dir returns Dir or the default.
func (s *Folder) dir() (string, error) {
	if s.Dir != "" {
		if !filepath.IsAbs(s.Dir) {
			return "", fmt.Errorf("session: the session folder %q is not an absolute path", s.Dir)
		}
		return filepath.Clean(s.Dir), nil
	}
	config, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("session: could not find the user configuration folder: %w", err)
	}
	return filepath.Join(config, "dialtone"), nil
}

// openRoot creates the directory (mode 0700) when missing and opens it as
// an os.Root, which keeps every write inside it.
func (s *Folder) openRoot() (*os.Root, string, error) {
	dir, err := s.dir()
	if err != nil {
		return nil, "", err
	}
	if err := makePrivateDir(dir); err != nil {
		return nil, "", fmt.Errorf("session: could not create the session folder %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, "", fmt.Errorf("session: could not open the session folder %s: %w", dir, err)
	}
	return root, dir, nil
}

// makePrivateDir creates dir and its parents with mode 0700. A dir it
// creates gets exactly 0700 whatever the umask; an existing one loses its
// group and other permissions if it can, but keeps its owner's, so a
// folder made read-only on purpose stays so (and Save reports it).
func makePrivateDir(dir string) error {
	_, statErr := os.Stat(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if runtime.GOOS == "windows" {
		return nil
	}
	info, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		return os.Chmod(dir, 0o700)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		_ = os.Chmod(dir, perm&^0o077) // best effort: the file itself is 0600
	}
	return nil
}

// openLockFile opens (creating it, mode 0600 whatever the umask) the lock
// file. It is opened read-only: flock and LockFileEx need no more, and an
// odd umask cannot then lock the owner out of a file it created.
func openLockFile(root *os.Root) (*os.File, error) {
	f, err := regularfile.OpenIn(root, lockName, os.O_RDONLY|os.O_CREATE, 0o600)
	if errors.Is(err, regularfile.ErrNotRegular) {
		// Something that is not a file took the lock's name: move it
		// aside, as a damaged session file is, and lock a new one.
		aside := lockName + ".corrupt-" + time.Now().UTC().Format(corruptTimestamp)
		if rerr := root.Rename(lockName, aside); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		f, err = regularfile.OpenIn(root, lockName, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o600)
	}
	if err != nil {
		return nil, err
	}
	if err := chmodPrivate(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// chmodPrivate sets mode 0600 on f, whatever the umask made it. Windows
// has no such modes (and a read-only handle may not change attributes).
func chmodPrivate(f *os.File) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	return f.Chmod(0o600)
}

// readLimited reads name in root, up to maxMetadataSize+1 bytes. Only a
// regular file is read; anything else is refused at once (an error
// matching regularfile.ErrNotRegular), never waited on.
func readLimited(root *os.Root, name string) ([]byte, error) {
	f, err := regularfile.OpenIn(root, name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMetadataSize+1))
	if err != nil {
		return nil, err
	}
	return data, nil
}

// metadataFile is the file format: Metadata with a version.
type metadataFile struct {
	Version int `json:"version"`
	Metadata
}

func encodeMetadata(m *Metadata) ([]byte, error) {
	data, err := json.Marshal(metadataFile{Version: metadataVersion, Metadata: *m})
	if err != nil {
		return nil, fmt.Errorf("session: could not encode the session metadata: %w", err)
	}
	return append(data, '\n'), nil
}

func decodeMetadata(data []byte) (*Metadata, error) {
	if len(data) > maxMetadataSize {
		return nil, fmt.Errorf("larger than %d bytes", maxMetadataSize)
	}
	var f metadataFile
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("unexpected data after the JSON object")
	}
	if f.Version < 1 {
		return nil, errors.New("no format version")
	}
	if r := f.Session; r != nil && (r.Issuer == "" || r.ClientID == "" || r.Subject == "") {
		return nil, errors.New("the session has no issuer, client_id or subject")
	}
	return &f.Metadata, nil
}

// setAside renames a damaged metadata file so the next Save starts afresh
// and the damaged one can still be examined.
func setAside(root *os.Root, dir string, cause error) error {
	aside := metadataName + ".corrupt-" + time.Now().UTC().Format(corruptTimestamp)
	e := &CorruptError{Path: filepath.Join(dir, metadataName), SetAside: filepath.Join(dir, aside), Err: cause}
	if err := root.Rename(metadataName, aside); err != nil {
		e.SetAside, e.Err = "", fmt.Errorf("%w (and it could not be moved aside: %v)", cause, err)
	}
	return e
}

// tempFile is the part of *os.File writeFileAtomic uses; tests inject
// write and sync failures (a full disk) through it.
type tempFile interface {
	io.Writer
	Sync() error
	Close() error
}

// createTemp creates name in root for writing, mode 0600 whatever the
// umask.
func createTemp(root *os.Root, name string) (tempFile, error) {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if err := chmodPrivate(f); err != nil {
		f.Close()
		return nil, errors.Join(err, root.Remove(name))
	}
	return f, nil
}

// writeFileAtomic writes data to a new temporary file in root, flushes it,
// and renames it to name. On any error the temporary file is removed and
// name is untouched.
func writeFileAtomic(root *os.Root, name string, data []byte, create func(*os.Root, string) (tempFile, error)) (err error) {
	tmp := name + ".tmp-" + rand.Text()
	f, err := create(root, tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			root.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = root.Rename(tmp, name); err != nil {
		return err
	}
	return syncDir(root)
}

// syncDir flushes the directory entry of a rename to disk. Windows cannot
// open a directory for syncing; there NTFS journals the rename itself.
func syncDir(root *os.Root) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := root.Open(".")
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// orphanAge is how old a temporary file of Save must be before Lock treats
// it as left behind by a process that died while writing: Save without the
// lock (the last email typed) may be writing one right now.
const orphanAge = time.Minute

// removeOrphans deletes temporary files an interrupted Save left in root
// (session.json.tmp-*) that are older than orphanAge. Failures are ignored:
// the files are harmless, only untidy.
func removeOrphans(root *os.Root, now time.Time) {
	d, err := root.Open(".")
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	for _, name := range names {
		if !strings.HasPrefix(name, metadataName+".tmp-") {
			continue
		}
		if info, err := root.Lstat(name); err == nil && now.Sub(info.ModTime()) > orphanAge {
			_ = root.Remove(name)
		}
	}
}

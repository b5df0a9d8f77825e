package keyring

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	gokeyring "github.com/zalando/go-keyring"
)

// DefaultService is the keyring service name Dialtone's secrets are
// stored under.
const DefaultService = "dialtone"

// DefaultTimeout bounds one Get, Set or Delete when Store.Timeout
// is zero.
const DefaultTimeout = 5 * time.Second

// chunkSize is the most bytes of a secret stored in one keyring
// item. Windows refuses secrets over 2560 bytes; macOS refuses a `security`
// command line over 4096 bytes, and go-keyring base64-encodes the secret
// there (2000 bytes become 2668, plus about 150 bytes of command, service
// and key). 2000 leaves room on both.
const chunkSize = 2000

// maxChunks bounds how many items one secret may use (about 64 KB),
// and how far Set and Delete look for stale chunks.
const maxChunks = 32

// chunkHeaderPrefix starts item 0 of a secret split into chunks. A short
// secret that happens to start with it is stored chunked too, so item 0 is
// never ambiguous.
const chunkHeaderPrefix = "dialtone-chunks:v1:"

// ErrNoSecret reports that the keyring holds no usable secret under a key:
// the agent was never signed in there, signed out, or the stored chunks are
// incomplete. The caller treats it as "sign in again".
var ErrNoSecret = errors.New("keyring: no saved sign-in in the system keyring")

// ErrUnavailable matches (with errors.Is) every *Error: the
// keyring could not be used at all. The caller keeps the session in memory
// only and tells the agent so. It must never fall back to writing the
// secret anywhere else.
var ErrUnavailable = errors.New("keyring: the system keyring is not available")

// Problem says why the keyring could not be used.
type Problem int

// The ways a keyring call can fail.
const (
	Unreachable Problem = iota + 1 // no keyring service (no D-Bus session, no Secret Service, unsupported OS)
	Locked                         // the collection is locked and was not unlocked
	TimedOut                       // no answer in time, e.g. an unlock dialog nobody answered
	Failed                         // the keyring reported another error
	NoSession                      // no D-Bus session bus to find a Secret Service on (SSH, cron): none is started
)

// Error reports that a keyring call failed. It matches
// ErrUnavailable; Err is the cause reported by the keyring, which
// never contains the secret.
type Error struct {
	Op      string // "read", "save" or "delete"
	Problem Problem
	Err     error
}

// Error describes the problem; it never contains a secret.
func (e *Error) Error() string {
	var what string
	switch e.Problem {
	case Unreachable:
		what = "no system keyring (Secret Service) is reachable"
	case Locked:
		what = "the system keyring is locked"
	case TimedOut:
		what = "the system keyring did not answer in time (is it waiting to be unlocked?)"
	case NoSession:
		what = "there is no D-Bus session bus, so no Secret Service can be reached (a session over SSH or from cron)"
	default:
		what = "the system keyring reported an error"
	}
	return fmt.Sprintf("keyring: could not %s the sign-in: %s: %v; %s", e.Op, what, e.Err, e.consequence())
}

func (e *Error) consequence() string {
	switch e.Op {
	case "delete":
		return "the saved sign-in may still be in the keyring"
	case "read":
		return "sign in again; you stay signed in for this session only"
	default:
		return "you stay signed in for this session only"
	}
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes every *Error match ErrUnavailable.
func (e *Error) Is(target error) bool { return target == ErrUnavailable }

// Store keeps secrets in the OS keyring (Secret Service on Linux,
// Keychain on macOS, Credential Manager on Windows) under one service name.
// Its zero value is ready to use. It is safe for concurrent use, but Set
// and Delete write several items for a long secret: callers that may race
// on one key (two Dialtone processes refreshing) must hold
// MetadataStore.Lock around them.
//
// The keyring is the only place a secret may be stored. When a call fails
// with ErrUnavailable, keep the secret in memory and say so; never
// write it to a file instead.
type Store struct {
	// Service is the keyring service name. "" means DefaultService.
	Service string
	// Timeout bounds each Get, Set or Delete as a whole, on top of ctx.
	// Zero means DefaultTimeout. go-keyring has no timeouts, and
	// on Linux a locked keyring with a display blocks until someone
	// answers the unlock dialog.
	Timeout time.Duration

	// Backend is the keyring itself. Nil means the OS keyring through
	// go-keyring; tests put a fake here (see keyringtest.Memory).
	Backend Backend
}

// Backend is the part of go-keyring Store uses: a flat map of
// (service, key) to secret that answers gokeyring.ErrNotFound for a missing
// key. Its calls may block; Store bounds them.
type Backend interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

type goKeyring struct{}

func (goKeyring) Get(service, user string) (string, error) { return gokeyring.Get(service, user) }
func (goKeyring) Set(service, user, secret string) error   { return gokeyring.Set(service, user, secret) }
func (goKeyring) Delete(service, user string) error        { return gokeyring.Delete(service, user) }

// Get returns the secret stored under key. It returns an error matching
// ErrNoSecret when there is none (or its chunks are incomplete), and a
// *Error when the keyring cannot be used. Callers must not log the
// secret.
func (k *Store) Get(ctx context.Context, key string) (string, error) {
	if err := ValidKey(key); err != nil {
		return "", err
	}
	if err := k.reachable("read"); err != nil {
		return "", err
	}
	ctx, cancel := k.withTimeout(ctx)
	defer cancel()
	first, err := k.get(ctx, key)
	if err != nil {
		return "", k.fail("read", key, err)
	}
	n, sum, chunked, err := parseChunkHeader(first)
	if err != nil {
		return "", err
	}
	if !chunked {
		return first, nil
	}
	secret, err := k.getChunks(ctx, key, n, sum)
	if err != nil {
		return "", k.fail("read", key, err)
	}
	return secret, nil
}

// getChunks reads items key#1…key#n and checks them against sum.
func (k *Store) getChunks(ctx context.Context, key string, n int, sum []byte) (string, error) {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		part, err := k.get(ctx, chunkKey(key, i))
		if errors.Is(err, gokeyring.ErrNotFound) {
			return "", fmt.Errorf("%w: chunk %d of %d is missing", ErrNoSecret, i, n)
		}
		if err != nil {
			return "", err
		}
		b.WriteString(part)
	}
	got := sha256.Sum256([]byte(b.String()))
	if subtle.ConstantTimeCompare(got[:], sum) != 1 {
		return "", fmt.Errorf("%w: its %d chunks do not match their checksum (an interrupted save)", ErrNoSecret, n)
	}
	return b.String(), nil
}

// Set stores secret under key, replacing what was there. A secret longer
// than one item holds is split into items key#1, key#2, … and item key
// holds a header with their count and checksum; chunks a longer previous
// value left behind are deleted. Set refuses an empty secret and one over
// about 64 KB. Errors are *Error values (ErrUnavailable).
func (k *Store) Set(ctx context.Context, key, secret string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := k.reachable("save"); err != nil {
		return err
	}
	if secret == "" {
		return errors.New("keyring: refusing to save an empty secret in the keyring")
	}
	var parts []string
	if needsChunks(secret) {
		parts = splitSecret(secret)
	}
	if len(parts) > maxChunks {
		return &Error{Op: "save", Problem: Failed, Err: fmt.Errorf("the secret is %d bytes, more than the %d the keyring can hold", len(secret), chunkSize*maxChunks)}
	}
	ctx, cancel := k.withTimeout(ctx)
	defer cancel()
	if err := k.set(ctx, key, parts, secret); err != nil {
		return k.fail("save", key, err)
	}
	return nil
}

// set writes the chunks (parts, nil for a secret stored whole) before the
// header that names them, then deletes chunks a longer old value left.
func (k *Store) set(ctx context.Context, key string, parts []string, secret string) error {
	old := k.chunkCount(ctx, key)
	first := secret
	for i, part := range parts {
		if err := k.put(ctx, chunkKey(key, i+1), part); err != nil {
			return err
		}
	}
	if parts != nil {
		first = chunkHeader(len(parts), secret)
	}
	if err := k.put(ctx, key, first); err != nil {
		return err
	}
	return k.deleteChunks(ctx, key, len(parts)+1, old)
}

// Delete removes the secret stored under key and all its chunks. A key
// with no secret is not an error. Errors are *Error values; after
// one, the secret may still be in the keyring.
func (k *Store) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := k.reachable("delete"); err != nil {
		return err
	}
	ctx, cancel := k.withTimeout(ctx)
	defer cancel()
	err := k.deleteChunks(ctx, key, 1, k.chunkCount(ctx, key))
	if err == nil {
		err = k.del(ctx, key)
	}
	if err != nil && !errors.Is(err, gokeyring.ErrNotFound) {
		return k.fail("delete", key, err)
	}
	return nil
}

// chunkCount returns how many chunks the header under key names; 0 when
// there is none or it cannot be read (deleteChunks then probes).
func (k *Store) chunkCount(ctx context.Context, key string) int {
	first, err := k.get(ctx, key)
	if err != nil {
		return 0
	}
	n, _, _, err := parseChunkHeader(first)
	if err != nil {
		return 0
	}
	return n
}

// deleteChunks deletes chunks from..known from the top down, so an
// interruption leaves a run starting at 1, then probes upwards past known
// for chunks an interrupted Set wrote before its header.
func (k *Store) deleteChunks(ctx context.Context, key string, from, known int) error {
	for i := known; i >= from; i-- {
		if err := k.del(ctx, chunkKey(key, i)); err != nil && !errors.Is(err, gokeyring.ErrNotFound) {
			return err
		}
	}
	for i := max(from, known+1); i <= maxChunks; i++ {
		err := k.del(ctx, chunkKey(key, i))
		if errors.Is(err, gokeyring.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (k *Store) get(ctx context.Context, key string) (string, error) {
	return bounded(ctx, func() (string, error) { return k.backend().Get(k.service(), key) })
}

func (k *Store) put(ctx context.Context, key, value string) error {
	_, err := bounded(ctx, func() (struct{}, error) { return struct{}{}, k.backend().Set(k.service(), key, value) })
	return err
}

func (k *Store) del(ctx context.Context, key string) error {
	_, err := bounded(ctx, func() (struct{}, error) { return struct{}{}, k.backend().Delete(k.service(), key) })
	return err
}

// bounded runs call in its own goroutine and gives up when ctx is done. A
// call given up on keeps running in the background until go-keyring
// returns; its result is dropped.
func bounded[T any](ctx context.Context, call func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := call()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// fail turns an error from the keyring into ErrNoSecret, a cancellation or
// a *Error.
func (k *Store) fail(op, key string, err error) error {
	switch {
	case errors.Is(err, ErrNoSecret):
		return err
	case errors.Is(err, gokeyring.ErrNotFound):
		return ErrNoSecret
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("keyring: could not %s the sign-in in the system keyring: %w", op, err)
	case errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("no answer for %s: %w", key, err)
	}
	return &Error{Op: op, Problem: classify(err), Err: err}
}

// classify maps go-keyring's errors, which are mostly plain
// strings from D-Bus, to a Problem. The texts are those measured
// with go-keyring v0.2.8 and gnome-keyring 42 (see keyring_test.go).
func classify(err error) Problem {
	msg := err.Error()
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return TimedOut
	case errors.Is(err, gokeyring.ErrUnsupportedPlatform),
		strings.Contains(msg, "was not provided by any .service files"),
		strings.Contains(msg, "couldn't determine address of session bus"),
		strings.HasPrefix(msg, "dial "),
		strings.Contains(msg, "dbus: authentication failed"):
		return Unreachable
	case strings.Contains(msg, "failed to unlock correct collection"):
		return Locked
	}
	return Failed
}

func (k *Store) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if k.Timeout > 0 {
		return context.WithTimeout(ctx, k.Timeout)
	}
	return context.WithTimeout(ctx, DefaultTimeout)
}

func (k *Store) service() string {
	if k.Service == "" {
		return DefaultService
	}
	return k.Service
}

func (k *Store) backend() Backend {
	if k.Backend == nil {
		return goKeyring{}
	}
	return k.Backend
}

// ValidKey refuses keys that could collide with chunk keys or that a
// keyring may mangle: they must be 1 to 200 printable ASCII characters
// without '#'. session.SecretKey's keys always pass.
func ValidKey(key string) error {
	ok := key != "" && len(key) <= 200
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] > ' ' && key[i] < 0x7f && key[i] != '#'
	}
	if !ok {
		return fmt.Errorf("keyring: %q is not a valid keyring key", key)
	}
	return nil
}

func chunkKey(key string, i int) string { return key + "#" + strconv.Itoa(i) }

// needsChunks reports whether secret must be stored as a header and
// chunks: when it is too long for one item, or when it starts like a
// header and would be read back as one.
func needsChunks(secret string) bool {
	return len(secret) > chunkSize || strings.HasPrefix(secret, chunkHeaderPrefix)
}

// splitSecret cuts secret into pieces of at most chunkSize bytes,
// never inside a UTF-8 sequence.
func splitSecret(secret string) []string {
	var parts []string
	for len(secret) > 0 {
		n := min(chunkSize, len(secret))
		for n < len(secret) && n > chunkSize-utf8.UTFMax && !utf8.RuneStart(secret[n]) {
			n--
		}
		parts = append(parts, secret[:n])
		secret = secret[n:]
	}
	return parts
}

// chunkHeader is item 0 of a chunked secret: the chunk count and the
// SHA-256 of the whole secret, which Get checks to detect a torn save.
func chunkHeader(n int, secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return chunkHeaderPrefix + strconv.Itoa(n) + ":" + hex.EncodeToString(sum[:])
}

// parseChunkHeader reports whether item 0 is a chunk header and decodes
// it. A value with the header prefix that does not decode is an error
// matching ErrNoSecret.
func parseChunkHeader(first string) (n int, sum []byte, chunked bool, err error) {
	rest, ok := strings.CutPrefix(first, chunkHeaderPrefix)
	if !ok {
		return 0, nil, false, nil
	}
	count, hexSum, _ := strings.Cut(rest, ":")
	n, err = strconv.Atoi(count)
	if err == nil {
		sum, err = hex.DecodeString(hexSum)
	}
	if err != nil || n < 1 || n > maxChunks || len(sum) != sha256.Size {
		return 0, nil, true, fmt.Errorf("%w: its chunk header is damaged", ErrNoSecret)
	}
	return n, sum, true, nil
}

// errNoSessionBus is the cause of a NoSession error.
var errNoSessionBus = errors.New("DBUS_SESSION_BUS_ADDRESS is not set and there is no /run/user/UID/bus")

// reachable refuses to use the OS keyring where reaching it would start
// one: on Linux and the BSDs, go-keyring's D-Bus library launches a
// dbus-daemon (which starts a gnome-keyring-daemon) through dbus-launch
// when it finds no session bus, and both outlive Dialtone. A fake Backend
// is always reachable.
func (k *Store) reachable(op string) error {
	if k.Backend != nil || mocked.Load() || HasSessionBus() {
		return nil
	}
	return &Error{Op: op, Problem: NoSession, Err: errNoSessionBus}
}

// mocked is set by MockInit.
var mocked atomic.Bool

// MockInit replaces the OS keyring with go-keyring's in-memory mock for the
// whole process, for tests that run without a Secret Service. Never call it
// outside tests.
func MockInit() {
	gokeyring.MockInit()
	mocked.Store(true)
}

package instance

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultTimeout bounds Acquire as a whole (taking the lock, reaching the
// running instance, handing over) and each connection the running instance
// accepts, when Config.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// queueSize is how many handoffs wait for the app before launches are
// turned away.
const queueSize = 16

// ErrHandedOff is what Acquire returns when a Dialtone is already running
// for this user and has taken the arguments: the caller exits with status
// 0, as its work is done.
var ErrHandedOff = errors.New("instance: handed over to the running Dialtone")

// Config says where the rendezvous lives.
type Config struct {
	// Path is the rendezvous file, in the user's config folder (for
	// example filepath.Join(platform.ConfigDir(), "instance.json")). A
	// lock file Path+".lock" is kept beside it. Required.
	Path string
	// Timeout bounds Acquire and each accepted connection. Zero means
	// DefaultTimeout.
	Timeout time.Duration
}

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// Instance is the running Dialtone's end: it listens on 127.0.0.1 and
// queues the arguments later launches hand over. Close it when the app
// exits.
type Instance struct {
	path     string
	token    []byte
	timeout  time.Duration
	ln       net.Listener
	handoffs chan []string
	done     chan struct{}

	mu     sync.Mutex
	conns  map[net.Conn]bool // the exchanges under way; true once their arguments are being handed to the app
	closed bool
	wg     sync.WaitGroup
}

// Acquire makes this process the running Dialtone for the user, or hands
// args to the one already running. It returns the *Instance when this
// process is now the running one, and ErrHandedOff when another took the
// arguments. A rendezvous file whose listener is gone, or does not prove
// the token, is stale and is taken over. Any other error (the running
// instance proved itself but did not take the arguments in time, the
// config folder is not writable) means neither happened: the caller
// should say so and exit, not open a second window.
//
// Only the desktop app calls Acquire; the command line (login, status,
// logout) never does.
func Acquire(ctx context.Context, cfg Config, args []string) (*Instance, error) {
	if cfg.Path == "" {
		return nil, errors.New("instance: Config.Path is empty")
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o700); err != nil {
		return nil, fmt.Errorf("instance: could not create the config folder: %w", err)
	}
	bounded, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	unlock, err := lock(bounded, cfg.Path+".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	err = handOffTo(bounded, cfg.Path, args)
	var se *staleError
	switch {
	case err == nil:
		return nil, ErrHandedOff
	case !errors.As(err, &se):
		return nil, err
	case ctx.Err() != nil:
		return nil, fmt.Errorf("instance: %w", context.Cause(ctx))
	}
	return listen(cfg.Path, cfg.timeout())
}

// handOffTo reads the rendezvous file at path and hands args over.
func handOffTo(ctx context.Context, path string, args []string) error {
	port, token, err := readRendezvous(path)
	if err != nil {
		return err
	}
	return handOff(ctx, port, token, args)
}

// listen starts the running instance: a listener on a random loopback
// port, a fresh token, and the rendezvous file naming both. The caller
// holds the lock.
func listen(path string, timeout time.Duration) (*Instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("instance: could not listen on 127.0.0.1: %w", err)
	}
	token := make([]byte, tokenSize)
	rand.Read(token)
	if err := writeRendezvous(path, ln.Addr().(*net.TCPAddr).Port, token); err != nil {
		ln.Close()
		return nil, err
	}
	in := &Instance{
		path: path, token: token, timeout: timeout, ln: ln,
		handoffs: make(chan []string, queueSize), done: make(chan struct{}),
		conns: map[net.Conn]bool{},
	}
	in.wg.Add(1)
	go in.accept()
	return in, nil
}

// Handoffs delivers the arguments of each later launch, in order, for
// example ["tel:+12015550123"] from a link or [] from a second
// double-click. The app should raise its window for each, and dial what
// ParseDialURI finds. The channel is closed by Close.
func (in *Instance) Handoffs() <-chan []string { return in.handoffs }

func (in *Instance) accept() {
	defer in.wg.Done()
	for {
		conn, err := in.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // a failed accept (e.g. too many open files) ends that connection only
		}
		if in.track(conn) {
			go in.serve(conn)
		}
	}
}

// serve runs one launch's exchange. Everything on the connection is bounded
// by in.timeout and maxExchange bytes; a launch that does not prove the
// token is closed without a word.
func (in *Instance) serve(conn net.Conn) {
	defer in.untrack(conn)
	deadline := time.Now().Add(in.timeout)
	conn.SetDeadline(deadline)
	r := bufio.NewReader(io.LimitReader(conn, maxExchange))
	if err := proveRunning(r, conn, in.token, os.Getpid()); err != nil {
		return
	}
	args, err := readArgs(r)
	if err != nil || !in.deliver(conn, args, deadline) {
		return
	}
	io.WriteString(conn, "ok\n")
}

// deliver queues args for the app, waiting until deadline at most, and
// marks conn's exchange as taken.
func (in *Instance) deliver(conn net.Conn, args []string, deadline time.Time) bool {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	// Marked before the hand-over, not after: the app may take the
	// arguments and Close at once, and Close must then let this exchange
	// send its "ok". Until the app takes them, Close ends the wait through
	// in.done instead.
	in.mu.Lock()
	in.conns[conn] = true
	in.mu.Unlock()
	select {
	case in.handoffs <- args:
		return true
	case <-in.done:
	case <-t.C:
	}
	return false
}

func (in *Instance) track(c net.Conn) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		c.Close()
		return false
	}
	in.conns[c] = false
	in.wg.Add(1)
	return true
}

func (in *Instance) untrack(c net.Conn) {
	c.Close()
	in.mu.Lock()
	delete(in.conns, c)
	in.mu.Unlock()
	in.wg.Done()
}

// Close stops listening, ends the exchanges under way, closes Handoffs and
// removes the rendezvous file if it still names this instance. It waits at
// most the configured timeout for the lock; when it cannot take it, the
// file stays behind and the next launch finds it stale.
func (in *Instance) Close() error {
	in.mu.Lock()
	if in.closed {
		in.mu.Unlock()
		return nil
	}
	in.closed = true
	close(in.done)
	for c, taken := range in.conns {
		if !taken { // an exchange handing over still says "ok" (or ends through in.done): the launch must not think it failed
			c.Close()
		}
	}
	in.mu.Unlock()
	err := in.ln.Close()
	in.wg.Wait()
	close(in.handoffs)
	return errors.Join(err, in.removeRendezvous())
}

func (in *Instance) removeRendezvous() error {
	ctx, cancel := context.WithTimeout(context.Background(), in.timeout)
	defer cancel()
	unlock, err := lock(ctx, in.path+".lock")
	if err != nil {
		return err
	}
	defer unlock()
	if _, token, err := readRendezvous(in.path); err != nil || !bytes.Equal(token, in.token) {
		return nil // another instance took over; its file stays
	}
	if err := os.Remove(in.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("instance: could not remove the rendezvous file: %w", err)
	}
	return nil
}

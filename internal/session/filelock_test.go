package session

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestLockHelperProcess is not a test: the lock tests run the test binary
// again with DIALTONE_LOCK_HELPER_DIR set, to hold the lock in another
// process. It prints "locked" once it holds the lock, releases it when its
// standard input closes, then prints "unlocked".
func TestLockHelperProcess(t *testing.T) {
	dir := os.Getenv("DIALTONE_LOCK_HELPER_DIR")
	if dir == "" {
		return
	}
	unlock, err := (&Folder{Dir: dir}).Lock(context.Background())
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	if err := unlock(); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("unlocked")
	os.Exit(0)
}

// lockHolder is another process holding the lock on a store.
type lockHolder struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

// holdLock starts a process that takes the lock of the store in dir, and
// returns once it holds it.
func holdLock(t *testing.T, dir string) *lockHolder {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$")
	cmd.Env = append(os.Environ(), "DIALTONE_LOCK_HELPER_DIR="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &lockHolder{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	h.expect(t, "locked")
	return h
}

func (h *lockHolder) expect(t *testing.T, want string) {
	t.Helper()
	line, err := h.out.ReadString('\n')
	if got := strings.TrimSpace(line); got != want || err != nil {
		t.Fatalf("lock holder said %q (%v), want %q", got, err, want)
	}
}

// lockWithin tries to take the lock of store for d.
func lockWithin(store *Folder, d time.Duration) (func() error, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return store.Lock(ctx)
}

func TestLockExcludesAnotherProcess(t *testing.T) {
	store := &Folder{Dir: t.TempDir()}
	holder := holdLock(t, store.Dir)

	start := time.Now()
	if unlock, err := lockWithin(store, 200*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		if err == nil {
			unlock()
		}
		t.Fatalf("Lock while another process holds it: %v, want it to wait until the deadline", err)
	}
	if waited := time.Since(start); waited < 200*time.Millisecond {
		t.Errorf("Lock gave up after %v, before its deadline", waited)
	}

	got := make(chan error, 1)
	go func() {
		unlock, err := lockWithin(store, 10*time.Second)
		if err == nil {
			err = unlock()
		}
		got <- err
	}()
	holder.stdin.Close()
	holder.expect(t, "unlocked")
	if err := <-got; err != nil {
		t.Errorf("Lock after the other process released it: %v", err)
	}
	if err := holder.cmd.Wait(); err != nil {
		t.Errorf("lock holder: %v", err)
	}
}

func TestLockReleasedWhenHolderDies(t *testing.T) {
	store := &Folder{Dir: t.TempDir()}
	holder := holdLock(t, store.Dir)
	if err := holder.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	holder.cmd.Wait()
	unlock, err := lockWithin(store, 10*time.Second)
	if err != nil {
		t.Fatalf("Lock after the holder was killed: %v", err)
	}
	if err := unlock(); err != nil {
		t.Errorf("unlock: %v", err)
	}
}

func TestLockExcludesWithinProcess(t *testing.T) {
	store := &Folder{Dir: t.TempDir()}
	unlock, err := lockWithin(store, time.Second)
	if err != nil {
		t.Fatalf("first Lock: %v", err)
	}
	if _, err := lockWithin(store, 100*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Lock while the first is held: %v, want a deadline error", err)
	} else {
		t.Logf("second Lock: %v", err)
	}
	if err := unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	if err := unlock(); err != nil {
		t.Errorf("second call of unlock: %v, want nil", err)
	}
	unlock2, err := lockWithin(store, time.Second)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	unlock2()
	checkMode(t, store.Dir+string(os.PathSeparator)+lockName, 0o600)
}

func TestLockCancelled(t *testing.T) {
	store := &Folder{Dir: t.TempDir()}
	unlock, err := lockWithin(store, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := store.Lock(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Lock with a cancelled ctx: %v, want context.Canceled", err)
	}
}

package instance

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func testConfig(t *testing.T) Config {
	t.Helper()
	return Config{Path: filepath.Join(tempDir(t), "config", "instance.json"), Timeout: 3 * time.Second}
}

func mustAcquire(t *testing.T, cfg Config) *Instance {
	t.Helper()
	in, err := Acquire(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("Acquire: %v, want to become the running instance", err)
	}
	t.Cleanup(func() { in.Close() })
	return in
}

// nextHandoff waits, bounded, for the next arguments handed to in.
func nextHandoff(t *testing.T, in *Instance) []string {
	t.Helper()
	select {
	case args := <-in.Handoffs():
		return args
	case <-time.After(5 * time.Second):
		t.Fatal("no handoff arrived within 5 s")
		return nil
	}
}

func noHandoff(t *testing.T, in *Instance) {
	t.Helper()
	select {
	case args := <-in.Handoffs():
		t.Fatalf("the running instance received %q, want nothing", args)
	default:
	}
}

func rendezvousPort(t *testing.T, path string) int {
	t.Helper()
	port, _, err := readRendezvous(path)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func TestSecondLaunchHandsOver(t *testing.T) {
	cfg := testConfig(t)
	running := mustAcquire(t, cfg)
	for _, args := range [][]string{{"tel:+1-201-555-0123"}, {}, {"--demo", "with space", "ünïcode"}} {
		_, err := Acquire(context.Background(), cfg, args)
		if !errors.Is(err, ErrHandedOff) {
			t.Fatalf("second Acquire(%q): %v, want ErrHandedOff", args, err)
		}
		if got := nextHandoff(t, running); !reflect.DeepEqual(got, args) {
			t.Errorf("handed over %q, want %q", got, args)
		}
	}
}

func TestOneWinnerWhenLaunchesRace(t *testing.T) {
	cfg := testConfig(t)
	const n = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		running []*Instance
		errs    []error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in, err := Acquire(context.Background(), cfg, []string{strconv.Itoa(i)})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				running = append(running, in)
			} else if !errors.Is(err, ErrHandedOff) {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	for _, in := range running {
		t.Cleanup(func() { in.Close() })
	}
	if len(errs) > 0 || len(running) != 1 {
		t.Fatalf("%d launches became the running instance and %v failed, want exactly one and no failures", len(running), errs)
	}
	for range n - 1 {
		nextHandoff(t, running[0])
	}
}

func TestCloseRemovesTheFileAndEndsHandoffs(t *testing.T) {
	cfg := testConfig(t)
	in := mustAcquire(t, cfg)
	if err := in.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(cfg.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close the rendezvous file is still there (%v)", err)
	}
	if _, ok := <-in.Handoffs(); ok {
		t.Error("Handoffs is still open after Close")
	}
	mustAcquire(t, cfg) // the next launch runs
}

func TestCloseLeavesATakenOverFileAlone(t *testing.T) {
	cfg := testConfig(t)
	old := mustAcquire(t, cfg)
	os.Remove(cfg.Path)
	newer := mustAcquire(t, cfg)
	old.Close()
	if _, err := Acquire(context.Background(), cfg, []string{"x"}); !errors.Is(err, ErrHandedOff) {
		t.Fatalf("after the old instance closed, Acquire: %v, want ErrHandedOff to the newer one", err)
	}
	nextHandoff(t, newer)
}

func TestRendezvousFileIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("on Windows the user profile's ACL protects %AppData%; Go has no mode bits there")
	}
	cfg := testConfig(t)
	mustAcquire(t, cfg)
	fi, err := os.Stat(cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("rendezvous file mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestStaleFileIsTakenOver writes rendezvous files that name no Dialtone
// that knows their token; the launch must become the running instance.
func TestStaleFileIsTakenOver(t *testing.T) {
	tests := []struct {
		name  string
		write func(t *testing.T, path string)
	}{
		{"no listener on the port", func(t *testing.T, path string) {
			writeRendezvous(path, closedPort(t), randomToken())
		}},
		{"a listener that says nothing", func(t *testing.T, path string) {
			writeRendezvous(path, fakeListener(t, func(net.Conn) {}), randomToken())
		}},
		{"a listener that talks nonsense", func(t *testing.T, path string) {
			writeRendezvous(path, fakeListener(t, func(c net.Conn) { io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n") }), randomToken())
		}},
		{"another user's Dialtone on the port", func(t *testing.T, path string) {
			other := mustAcquire(t, testConfig(t))
			t.Cleanup(func() { noHandoff(t, other) })
			writeRendezvous(path, rendezvousPort(t, other.path), randomToken())
		}},
		{"a damaged file", func(t *testing.T, path string) { os.WriteFile(path, []byte(`{"port":`), 0o600) }},
		{"a port out of range", func(t *testing.T, path string) {
			os.WriteFile(path, []byte(`{"port":70000,"token":"`+strings.Repeat("00", tokenSize)+`"}`), 0o600)
		}},
		{"an empty file", func(t *testing.T, path string) { os.WriteFile(path, nil, 0o600) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.Timeout = time.Second
			os.MkdirAll(filepath.Dir(cfg.Path), 0o700)
			tt.write(t, cfg.Path)
			running := mustAcquire(t, cfg)
			if got, want := rendezvousPort(t, cfg.Path), running.ln.Addr().(*net.TCPAddr).Port; got != want {
				t.Errorf("the rendezvous file names port %d, want the new instance's %d", got, want)
			}
			if _, err := Acquire(context.Background(), cfg, []string{"after"}); !errors.Is(err, ErrHandedOff) {
				t.Fatalf("a launch after the takeover: %v, want ErrHandedOff", err)
			}
			nextHandoff(t, running)
		})
	}
}

func TestWrongTokenIsRefused(t *testing.T) {
	cfg := testConfig(t)
	running := mustAcquire(t, cfg)
	port := rendezvousPort(t, cfg.Path)
	err := handOff(context.Background(), port, randomToken(), []string{"tel:+19005550100"})
	var se *staleError
	if !errors.As(err, &se) {
		t.Fatalf("handOff with a wrong token: %v, want a refusal (stale)", err)
	}
	noHandoff(t, running)
	if _, err := Acquire(context.Background(), cfg, []string{"tel:+1"}); !errors.Is(err, ErrHandedOff) {
		t.Fatalf("a launch with the right token afterwards: %v, want ErrHandedOff", err)
	}
	nextHandoff(t, running)
}

// TestNoArgumentsToAnImpostor stands up a listener that greets like
// Dialtone but does not know the token: the launch must not send it the
// arguments, and must take over.
func TestNoArgumentsToAnImpostor(t *testing.T) {
	got := make(chan string, 4)
	port := fakeListener(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		fmt.Fprintf(c, "%s %x\n", greeting, nonce())
		r.ReadString('\n')                    // the launch's proof
		fmt.Fprintf(c, "%x %d\n", nonce(), 1) // a made-up proof of its own
		line, _ := r.ReadString('\n')         // must not be the arguments
		got <- line
	})
	cfg := testConfig(t)
	os.MkdirAll(filepath.Dir(cfg.Path), 0o700)
	writeRendezvous(cfg.Path, port, randomToken())
	in, err := Acquire(context.Background(), cfg, []string{"tel:+1-555-0100-secret"})
	if err != nil {
		t.Fatalf("Acquire: %v, want to take over from the impostor", err)
	}
	in.Close()
	if line := <-got; line != "" {
		t.Fatalf("the impostor received %q, want nothing", line)
	}
}

func TestGarbageFloodDoesNotBlockTheListener(t *testing.T) {
	cfg := testConfig(t)
	running := mustAcquire(t, cfg)
	addr := running.ln.Addr().String()
	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	junk := make([]byte, 200<<10)
	rand.Read(junk)
	for i := range 150 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("garbage connection %d: %v", i, err)
		}
		conns = append(conns, c)
		switch i % 3 {
		case 0: // idle: connects and says nothing
		case 1:
			go c.Write(junk) // binary junk, far over the size limit
		case 2:
			go io.WriteString(c, strings.Repeat("A", 100<<10)) // one endless line
		}
	}
	start := time.Now()
	if _, err := Acquire(context.Background(), cfg, []string{"tel:+1"}); !errors.Is(err, ErrHandedOff) {
		t.Fatalf("a launch during the flood: %v, want ErrHandedOff", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the handoff took %v during the flood, want well under a second", d)
	}
	if got := nextHandoff(t, running); !reflect.DeepEqual(got, []string{"tel:+1"}) {
		t.Errorf("handed over %q", got)
	}
}

func TestFullQueueTurnsLaunchesAway(t *testing.T) {
	cfg := testConfig(t)
	cfg.Timeout = 500 * time.Millisecond
	mustAcquire(t, cfg) // nobody reads Handoffs
	for i := range queueSize {
		if _, err := Acquire(context.Background(), cfg, []string{strconv.Itoa(i)}); !errors.Is(err, ErrHandedOff) {
			t.Fatalf("launch %d: %v, want ErrHandedOff", i, err)
		}
	}
	_, err := Acquire(context.Background(), cfg, []string{"one too many"})
	var se *staleError
	if err == nil || errors.Is(err, ErrHandedOff) || errors.As(err, &se) {
		t.Fatalf("a launch with the queue full: %v, want an error that is neither a handoff nor a takeover", err)
	}
}

func TestCancelledLaunchDoesNotTakeOver(t *testing.T) {
	cfg := testConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if in, err := Acquire(ctx, cfg, nil); err == nil {
		in.Close()
		t.Fatal("Acquire with a cancelled context became the running instance")
	}
}

// TestHandOverBetweenProcesses runs a launch in another process both
// ways: this process running and the other launching, then the reverse.
func TestHandOverBetweenProcesses(t *testing.T) {
	cfg := testConfig(t)
	t.Run("other process launches", func(t *testing.T) {
		running := mustAcquire(t, cfg)
		out, err := helper(t, cfg, "launch", "tel:+12015550123").CombinedOutput()
		if err != nil {
			t.Fatalf("the launching process: %v\n%s", err, out)
		}
		if got := nextHandoff(t, running); !reflect.DeepEqual(got, []string{"tel:+12015550123"}) {
			t.Errorf("handed over %q", got)
		}
		running.Close()
	})
	t.Run("other process runs", func(t *testing.T) {
		cmd := helper(t, cfg, "run")
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		lines := bufio.NewScanner(stdout)
		if !lines.Scan() || lines.Text() != "running" {
			t.Fatalf("the running process said %q, want running", lines.Text())
		}
		if _, err := Acquire(context.Background(), cfg, []string{"callto://+12015550123"}); !errors.Is(err, ErrHandedOff) {
			t.Fatalf("Acquire: %v, want ErrHandedOff", err)
		}
		if !lines.Scan() || lines.Text() != `["callto://+12015550123"]` {
			t.Errorf("the running process received %q", lines.Text())
		}
	})
}

// helper runs this test binary as another Dialtone process (see
// TestHelperProcess).
func helper(t *testing.T, cfg Config, role string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperProcess$"}, args...)...)
	cmd.Env = append(os.Environ(), "INSTANCE_HELPER="+role, "INSTANCE_HELPER_PATH="+cfg.Path)
	return cmd
}

// TestHelperProcess is the other process of TestHandOverBetweenProcesses.
// "launch" hands its arguments over and exits 0; "run" becomes the running
// instance, prints "running", then prints the first handoff as JSON.
func TestHelperProcess(t *testing.T) {
	role := os.Getenv("INSTANCE_HELPER")
	if role == "" {
		t.Skip("only run as a helper process")
	}
	cfg := Config{Path: os.Getenv("INSTANCE_HELPER_PATH"), Timeout: 5 * time.Second}
	in, err := Acquire(context.Background(), cfg, flag.Args())
	switch {
	case role == "launch" && errors.Is(err, ErrHandedOff):
		os.Exit(0)
	case role == "run" && err == nil:
		fmt.Println("running")
		select {
		case got := <-in.Handoffs():
			data, _ := json.Marshal(got)
			fmt.Printf("%s\n", data)
			in.Close()
			os.Exit(0)
		case <-time.After(30 * time.Second):
		}
	}
	fmt.Fprintf(os.Stderr, "helper %s: Acquire: %v\n", role, err)
	os.Exit(1)
}

func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// fakeListener serves every connection with serve on a loopback port
// until the test ends.
func fakeListener(t *testing.T, serve func(net.Conn)) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				serve(c)
				io.Copy(io.Discard, c) // hold the connection until the launch closes it
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func randomToken() []byte {
	b := make([]byte, tokenSize)
	rand.Read(b)
	return b
}

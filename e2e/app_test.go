package e2e

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Deadlines of the window tests.
const (
	screenWait = 30 * time.Second // for the window to reach a screen
	firstWait  = 10 * time.Second // for the first screen the app logs
	quitWait   = 15 * time.Second // for the app to quit after SIGTERM
)

// app is the desktop app running on a machine, with --debug so that it logs
// every screen it shows (ui.Deps.OnScreen) to stderr.
type app struct {
	t      *testing.T
	m      *machine
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	win    *window

	mu      sync.Mutex
	screens []string      // every screen and presence logged, in order
	changed chan struct{} // closed and replaced when screens grows
	next    int           // the index in screens that waitScreen looks from
}

// startApp starts the desktop app, with args after --debug (a tel: link),
// and finds its window.
func (m *machine) startApp(args ...string) *app {
	m.t.Helper()
	cmd := exec.Command(suite.dialtone, append([]string{"--debug"}, args...)...)
	cmd.Env = m.environ()
	a := followApp(m.t, cmd, m.logFile("app.stderr"))
	a.m = m
	m.t.Cleanup(a.kill)
	a.win = findWindow(m.t, a.cmd.Process.Pid, a.exited)
	return a
}

// followApp starts cmd, the desktop app with --debug, keeps its output in
// the log file at path, and follows the screens it logs.
func followApp(t *testing.T, cmd *exec.Cmd, path string) *app {
	t.Helper()
	a := &app{t: t, cmd: cmd, exited: make(chan struct{}), changed: make(chan struct{})}
	stderr, err := a.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	log, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	a.cmd.Stdout = log
	if err := a.cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("could not start the app: %v", err)
	}
	go func() {
		a.read(io.TeeReader(stderr, log))
		a.cmd.Wait() // its error is in cmd.ProcessState, which quit checks
		log.Close()
		close(a.exited)
	}()
	return a
}

// read follows the app's log and records the screens it shows, and the
// handoffs of later launches it applied.
func (a *app) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, ok := screenOf(sc.Text())
		if !ok {
			name, ok = handoffOf(sc.Text())
		}
		if !ok {
			continue
		}
		a.mu.Lock()
		a.screens = append(a.screens, name)
		close(a.changed)
		a.changed = make(chan struct{})
		a.mu.Unlock()
	}
	io.Copy(io.Discard, r) // after a line too long to scan, keep the app from blocking on its stderr
}

// screenOf reads a screen's name from the debug log line main.go writes for
// ui.Deps.OnScreen: `… level=DEBUG msg=screen name=dialer/online`.
func screenOf(line string) (string, bool) {
	if !strings.Contains(line, " msg=screen ") {
		return "", false
	}
	_, value, ok := strings.Cut(line, " name=")
	if !ok {
		return "", false
	}
	if quoted, err := strconv.QuotedPrefix(value); err == nil {
		name, err := strconv.Unquote(quoted)
		return name, err == nil
	}
	name, _, _ := strings.Cut(value, " ")
	return name, true
}

// handoffOf reads what the app did with a later launch from the debug line
// main.go writes, `… msg=handoff link=dial dialer=filled`, as a name to
// wait on: "handoff/dial/filled", "handoff/dial/waiting" (until the agent
// is signed in), "handoff/refused" or "handoff/none" (a plain second
// launch).
func handoffOf(line string) (string, bool) {
	if !strings.Contains(line, " msg=handoff ") {
		return "", false
	}
	name := "handoff"
	for _, key := range []string{" link=", " dialer="} {
		if _, value, ok := strings.Cut(line, key); ok {
			value, _, _ = strings.Cut(value, " ")
			name += "/" + value
		}
	}
	return name, true
}

// waitScreen waits until the app logs the screen name, after the screens it
// already waited for, and returns the screens logged on the way (name
// included).
func (a *app) waitScreen(name string) []string {
	a.t.Helper()
	deadline := time.After(screenWait)
	first := time.After(firstWait)
	for {
		a.mu.Lock()
		from, changed := a.next, a.changed
		if i := slices.Index(a.screens[from:], name); i >= 0 {
			a.next = from + i + 1
			way := slices.Clone(a.screens[from : from+i+1])
			a.mu.Unlock()
			return way
		}
		a.mu.Unlock()
		select {
		case <-changed:
		case <-a.exited:
			a.t.Fatalf("the app exited before showing %q; it showed %q (log in %s)", name, a.all(), suite.logs)
		case <-first:
			if len(a.all()) == 0 {
				a.t.Fatalf("the app logged no screen within %s of starting: main.go must log ui.Deps.OnScreen with --debug (msg=screen name=…)", firstWait)
			}
		case <-deadline:
			a.t.Fatalf("the app did not show %q within %s; it showed %q", name, screenWait, a.all())
		}
	}
}

func (a *app) all() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.screens)
}

// quit stops the app as the desktop does at log-out (SIGTERM), checks that
// it quit cleanly, and waits for its browser to close.
func (a *app) quit() {
	a.t.Helper()
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		a.t.Fatalf("could not stop the app: %v", err)
	}
	select {
	case <-a.exited:
	case <-time.After(quitWait):
		a.t.Fatalf("the app did not quit within %s of SIGTERM", quitWait)
	}
	if code := a.cmd.ProcessState.ExitCode(); code != 0 {
		a.t.Errorf("the app exited with %d, want 0", code)
	}
	a.m.waitForBrowsers()
}

// kill ends an app that a failed test left running.
func (a *app) kill() {
	select {
	case <-a.exited:
	default:
		a.cmd.Process.Kill()
		<-a.exited
	}
}

// typeText types text into the window as the keyboard would.
func (a *app) typeText(text string) {
	a.t.Helper()
	a.win.focus()
	a.win.xdotool("type", "--delay", "15", text)
}

// key presses a key, such as "Return", in the window.
func (a *app) key(name string) {
	a.t.Helper()
	a.win.focus()
	a.win.xdotool("key", name)
}

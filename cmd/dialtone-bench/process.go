package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a program has to exit after SIGTERM before it is
// killed.
const stopGrace = 5 * time.Second

// exitGrace is how long the last lines of a program that exited have to
// arrive, when a child of it keeps its stderr open.
const exitGrace = time.Second

// proc is a started program whose stderr is read line by line, each line
// noted with the time it arrived.
type proc struct {
	name  string
	cmd   *exec.Cmd
	start time.Time
	done  chan struct{} // closed once the program has exited

	mu      sync.Mutex
	lines   []line
	eof     bool
	changed chan struct{} // closed and replaced when a line arrives or stderr ends
}

// line is one line of the program's stderr.
type line struct {
	at   time.Time
	text string
}

// startProc starts argv with env, copying its stdout and stderr to log.
// The clock starts just before the program does.
func startProc(argv, env []string, log io.Writer) (*proc, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	if f, ok := log.(*os.File); ok {
		cmd.Stdout = f // else /dev/null; a copying goroutine could hold up Wait
	}
	// A pipe of our own, so that reaping the program does not wait for
	// the end of its stderr, which a child of it may hold open.
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = w
	p := &proc{name: filepath.Base(argv[0]), cmd: cmd, done: make(chan struct{}), changed: make(chan struct{})}
	p.start = time.Now()
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("could not start %s: %w", argv[0], err)
	}
	go p.read(r, log)
	go func() {
		cmd.Wait() // the exit status does not matter: the program is stopped by a signal
		close(p.done)
	}()
	return p, nil
}

// read notes every line of stderr until it ends.
func (p *proc) read(stderr *os.File, log io.Writer) {
	defer stderr.Close()
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		at := time.Now()
		fmt.Fprintf(log, "%8.1fms %s\n", ms(at.Sub(p.start)), sc.Text())
		p.note(func() { p.lines = append(p.lines, line{at, sc.Text()}) })
	}
	p.note(func() { p.eof = true })
}

// note changes p's lines under its lock and wakes the waiters.
func (p *proc) note(change func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	change()
	close(p.changed)
	p.changed = make(chan struct{})
}

// waitFor waits until a line from index from on matches re and returns
// its index, or fails when the program exits or timeout passes first.
func (p *proc) waitFor(re *regexp.Regexp, from int, timeout time.Duration) (int, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	exited := p.done
	var ended <-chan time.Time // after exitGrace once the program has exited
	for {
		p.mu.Lock()
		for i := from; i < len(p.lines); i++ {
			if re.MatchString(p.lines[i].text) {
				p.mu.Unlock()
				return i, nil
			}
		}
		from = len(p.lines)
		eof, changed := p.eof, p.changed
		p.mu.Unlock()
		if eof {
			return -1, fmt.Errorf("%s ended its output without a line matching %q", p.name, re)
		}
		select {
		case <-changed:
		case <-exited: // give the last lines a moment to arrive
			exited, ended = nil, time.After(exitGrace)
		case <-ended:
			return -1, fmt.Errorf("%s exited without a line matching %q", p.name, re)
		case <-deadline.C:
			return -1, fmt.Errorf("%s printed no line matching %q within %s", p.name, re, timeout)
		}
	}
}

// linesUpTo returns a copy of the lines up to and including index last;
// -1 means all the lines so far.
func (p *proc) linesUpTo(last int) []line {
	p.mu.Lock()
	defer p.mu.Unlock()
	if last < 0 {
		last = len(p.lines) - 1
	}
	return append([]line(nil), p.lines[:last+1]...)
}

// stop sends SIGTERM, kills the program if it is still running after
// stopGrace, and waits until it has exited.
func (p *proc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM) // fails only if it has exited already
	select {
	case <-p.done:
		return
	case <-time.After(stopGrace):
	}
	p.cmd.Process.Kill()
	<-p.done
}

// memory is the program's resident set size, from /proc/PID/status, in
// KiB: in all (VmRSS), anonymous (RssAnon: heaps, stacks, driver
// buffers), and file-backed (RssFile: the binary and shared libraries).
type memory struct {
	rss, anon, file int
}

// memory reads the program's resident set size from /proc.
func (p *proc) memory() (memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return memory{}, fmt.Errorf("could not read the resident set size: %w", err)
	}
	return parseStatus(string(b))
}

// parseStatus reads the VmRSS, RssAnon and RssFile lines of the text of
// /proc/PID/status, such as "VmRSS:  1234 kB".
func parseStatus(status string) (memory, error) {
	var m memory
	fields := map[string]*int{"VmRSS:": &m.rss, "RssAnon:": &m.anon, "RssFile:": &m.file}
	for l := range strings.Lines(status) {
		f := strings.Fields(l)
		dst, ok := fields[firstOf(f)]
		if !ok || len(f) != 3 || f[2] != "kB" {
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			return memory{}, fmt.Errorf("bad %s line in /proc/PID/status: %w", f[0], err)
		}
		*dst = n
		delete(fields, f[0])
	}
	if len(fields) > 0 {
		return memory{}, fmt.Errorf("no VmRSS, RssAnon or RssFile line in /proc/PID/status")
	}
	return m, nil
}

func firstOf(f []string) string {
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

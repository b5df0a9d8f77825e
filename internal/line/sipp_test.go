package line_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"dialtone/internal/line/linetest"
)

// sipp is one sipp process playing a registrar scenario from testdata/sipp
// on 127.0.0.1.
type sipp struct {
	port int
	log  string // sipp's message log: every message sent and received
	done chan error
}

// startSipp runs scenario as a UAS over transport "u1" (UDP) or "t1"
// (TCP); keys become [name] in the scenario. The test's cleanup ends it.
func startSipp(t *testing.T, scenario, transport string, keys map[string]string) *sipp {
	t.Helper()
	bin := linetest.RequireTool(t, "sipp", "sip-tester")
	dir := t.TempDir()
	s := &sipp{port: linetest.FreePort(t), log: filepath.Join(dir, "messages.log"), done: make(chan error, 1)}
	args := []string{"-sf", filepath.Join("testdata", "sipp", scenario), "-i", "127.0.0.1", "-p", strconv.Itoa(s.port),
		"-t", transport, "-m", "1", "-nostdin", "-timeout", "20s", "-trace_msg", "-message_file", s.log,
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log")}
	for k, v := range keys {
		args = append(args, "-key", k, v)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = ".", nil, nil
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("could not start sipp: %v", err)
	}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.done
	})
	proto := map[string]string{"u1": "udp", "t1": "tcp"}[transport]
	linetest.WaitListening(t, proto, s.port, 5*time.Second)
	return s
}

// registrar is the sipp registrar's URI for the line.
func (s *sipp) registrar(transport string) string {
	if transport == "t1" {
		return fmt.Sprintf("sip:127.0.0.1:%d;transport=tcp", s.port)
	}
	return fmt.Sprintf("sip:127.0.0.1:%d", s.port)
}

// messages waits for sipp to finish its scenario and returns the requests
// it received, in order.
func (s *sipp) requests(t *testing.T) []string {
	t.Helper()
	select {
	case <-s.done:
		s.done <- nil // let the cleanup's receive return
	case <-time.After(settle):
		t.Fatal("sipp did not finish its scenario")
	}
	data, err := os.ReadFile(s.log)
	if err != nil {
		t.Fatalf("could not read sipp's message log: %v", err)
	}
	var reqs []string
	for _, block := range strings.Split(string(data), "message received") {
		if i := strings.Index(block, "REGISTER sip:"); i >= 0 {
			end := strings.Index(block[i:], "\n-----")
			if end < 0 {
				end = len(block) - i
			}
			reqs = append(reqs, block[i:i+end])
		}
	}
	return reqs
}

// header returns a header's value from a logged request, "" if absent.
func header(req, name string) string {
	for l := range strings.SplitSeq(req, "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func withTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), settle)
	t.Cleanup(cancel)
	return ctx
}

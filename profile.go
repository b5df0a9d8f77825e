package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"time"

	"dialtone/internal/regularfile"
)

// The launch profile, for docs/benchmarks.md: with DIALTONE_PROFILE=DIR,
// Dialtone writes DIR/launch.trace (an execution trace of its first
// profileLaunch), DIR/launch.cpu.pprof (a CPU profile of the same) and
// DIR/idle.heap.pprof (the heap after profileIdle, once idle). Read them
// with "go tool trace" and "go tool pprof". It changes nothing else.
const (
	profileLaunch = 2 * time.Second
	profileIdle   = 8 * time.Second
)

// startProfile starts the launch profile when dir is set and reports
// problems to stderr; the profile is a developer's tool, never fatal.
func startProfile(dir string, stderr io.Writer) {
	if dir == "" {
		return
	}
	fail := func(err error) { fmt.Fprintln(stderr, "dialtone: DIALTONE_PROFILE:", err) }
	tf, err := createProfile(filepath.Join(dir, "launch.trace"))
	if err != nil {
		fail(err)
		return
	}
	cf, err := createProfile(filepath.Join(dir, "launch.cpu.pprof"))
	if err != nil {
		fail(err)
		return
	}
	if err := trace.Start(tf); err != nil {
		fail(err)
	}
	if err := pprof.StartCPUProfile(cf); err != nil {
		fail(err)
	}
	time.AfterFunc(profileLaunch, func() {
		trace.Stop()
		pprof.StopCPUProfile()
		tf.Close()
		cf.Close()
	})
	time.AfterFunc(profileIdle, func() { writeHeap(filepath.Join(dir, "idle.heap.pprof"), fail) })
}

func writeHeap(path string, fail func(error)) {
	f, err := createProfile(path)
	if err != nil {
		fail(err)
		return
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		fail(err)
	}
}

// createProfile is os.Create for a regular file only: a FIFO left in the
// profile folder is refused rather than waited on.
func createProfile(path string) (*os.File, error) {
	return regularfile.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
}

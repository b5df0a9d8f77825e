// Package earlylog holds what the standard logger writes from the start of
// the process until main says where it goes. Fyne logs to the standard
// logger while its packages initialise — before main runs — for example
// "Error parsing user locale C" under LANG=C.UTF-8 or an unknown locale;
// those lines are not Dialtone's and must not land on an agent's terminal.
//
// main must import this package: it sorts before every fyne.io package by
// import path and imports nothing but the standard library, so the Go
// specification's initialisation order (packages in import-path order, each
// once its imports are done) runs its init before any Fyne package that
// could log. It must never import another Dialtone package or Fyne.
package earlylog

import (
	"bytes"
	"io"
	"log"
	"sync"
)

var (
	mu   sync.Mutex
	held bytes.Buffer
)

func init() {
	log.SetOutput(writerFunc(hold))
}

// hold keeps a line written before Release, up to 64 KiB.
func hold(p []byte) (int, error) {
	mu.Lock()
	defer mu.Unlock()
	if held.Len() < 64<<10 {
		held.Write(p)
	}
	return len(p), nil
}

// Release makes the standard logger write to w from now on and returns
// what it held since the process started, for the caller to log or drop.
func Release(w io.Writer) string {
	mu.Lock()
	defer mu.Unlock()
	log.SetOutput(w)
	s := held.String()
	held.Reset()
	return s
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

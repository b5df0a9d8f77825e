// Package procstart records when this process started, as early as a Go
// program can see it: the package imports only the standard library and its
// import path sorts before every fyne.io and github.com package, so the Go
// specification's initialisation order runs its init a millisecond or two
// into the process, before Fyne and the other heavy packages initialise.
// The session store uses it to tell the processes of one launch storm from
// a later restart. It must never import anything else.
package procstart

import "time"

// Time is when this process started.
var Time = time.Now()

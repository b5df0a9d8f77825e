// Command dialtone-bench measures Dialtone's desktop app from the outside,
// for docs/benchmarks.md; .ci/bench runs it. It is a measurement tool, not
// a test: it never fails on a slow machine, it only reports.
//
//	dialtone-bench launch [flags] NAME UNTIL PROGRAM [ARG...] [:: NAME UNTIL PROGRAM [ARG...]]...
//	    start each PROGRAM in turn, -runs times (after -warmup launches
//	    that do not count); each time, wait for a line matching UNTIL on
//	    its stderr, note how long that took, leave it idle for -idle, read
//	    its VmRSS, stop it; print the medians as NAME.KEY=VALUE lines
//	dialtone-bench signin [flags] -- PROGRAM [ARG...]
//	    start Dialtone once and sign in by hand, as an agent would: type the
//	    email into the window with xdotool and let the demo provider's login
//	    form be filled in by "dialtone-bench browse"
//	dialtone-bench browse [-user U] [-password P] [-log FILE] URL
//	    Dialtone's browser command (DIALTONE_BROWSER) for signin: fill in
//	    the provider's login form over HTTP and deliver the callback
//
// Every program it starts is stopped before it returns, and it only ever
// talks to loopback addresses.
//
// It must never import Dialtone's desktop packages (the UI, the session
// store, the keyring): it measures the built app from outside, as an agent
// runs it.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage:
  dialtone-bench launch [-runs N] [-warmup N] [-mark NAME=RE]... [-count NAME=RE]... [-last NAME=RE]... [-idle D] [-timeout D] [-log FILE]
                        NAME UNTIL PROGRAM [ARG...] [:: NAME UNTIL PROGRAM [ARG...]]...
  dialtone-bench signin [-email E] [-password P] [-timeout D] [-log FILE] -- PROGRAM [ARG...]
  dialtone-bench browse [-user U] [-password P] [-log FILE] URL
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole program behind main.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "launch":
		err = launchCommand(args[1:], stdout, stderr)
	case "signin":
		err = signinCommand(args[1:], stderr)
	case "browse":
		err = browseCommand(args[1:], stderr)
	default:
		fmt.Fprintf(stderr, "dialtone-bench: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "dialtone-bench:", err)
		return 1
	}
	return 0
}

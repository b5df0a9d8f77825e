// Package problem is Dialtone's one vocabulary of what can go wrong. Classify
// sorts every error the sign-in engine, the session store, the keyring, the
// directory client and the command line return into a Kind; the command
// line's exit codes, the window's problem screens and the details for an
// admin all derive from that Kind, so they cannot disagree. Describe turns
// an error into the one sentence an agent reads.
//
// It may import every package whose errors it names, but it must never
// import Fyne or the UI: the window reads it, it does not read the window.
package problem

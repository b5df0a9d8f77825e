package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"

	"dialtone/internal/instance"
	"dialtone/ui"
)

// instanceFile is the rendezvous of internal/instance in the config folder.
const instanceFile = "instance.json"

// splitLinks separates the tel: and callto: links among the app's
// arguments (dialable or not) from its flags.
func splitLinks(args []string) (links, flags []string) {
	for _, arg := range args {
		if isLink(arg) {
			links = append(links, arg)
		} else {
			flags = append(flags, arg)
		}
	}
	return links, flags
}

// acquire makes this launch the one running Dialtone of the user, or hands
// links (none for a plain second launch) to the one already running and
// returns instance.ErrHandedOff. The rendezvous lives in the config folder
// s names before the demo changes it, so the demo and a real sign-in share
// one window too.
func acquire(ctx context.Context, s settings, links []string) (*instance.Instance, error) {
	dir, err := s.configFolder()
	if err != nil {
		return nil, err
	}
	return instance.Acquire(ctx, instance.Config{Path: filepath.Join(dir, instanceFile)}, links)
}

// followHandoffs gives the window, on the Fyne thread, what each later
// launch handed over, until the instance is closed.
func followHandoffs(in *instance.Instance, w *ui.App, logger *slog.Logger) {
	for args := range in.Handoffs() {
		fyne.Do(func() { openHandoff(w, args, logger) })
	}
}

// openHandoff brings the window to the front with the number of the first
// link in args in the dialer, or with the reason it holds none; with no
// link (a second double-click) it only raises the window. It logs, with
// --debug, what it did (never the number): `msg=handoff link=dial
// dialer=filled`, `dialer=waiting` until the agent is signed in,
// `link=refused` or `link=none`.
func openHandoff(w *ui.App, args []string, logger *slog.Logger) {
	links, _ := splitLinks(args)
	if len(links) == 0 {
		w.Raise()
		logger.Debug("handoff", "link", "none")
		return
	}
	d, err := instance.ParseDialURI(links[0])
	if err != nil {
		w.RefuseLink(fmt.Sprintf("The link “%s” holds no phone number to dial.", printable(links[0], 60)))
		logger.Debug("handoff", "link", "refused", "reason", err)
		return
	}
	state := "waiting"
	if w.Dial(d.Number, d.Extension) {
		state = "filled"
	}
	logger.Debug("handoff", "link", "dial", "dialer", state)
}

// printable is s for the agent to read: control and other unprintable
// characters as "?", and cut to n runes, marking the cut.
func printable(s string, n int) string {
	r := []rune(strings.Map(func(c rune) rune {
		if unicode.IsPrint(c) {
			return c
		}
		return '?'
	}, s))
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return string(r)
}

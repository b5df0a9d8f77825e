package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"dialtone/dialer"
	"dialtone/internal/agent"
	"dialtone/internal/directory"
	"dialtone/internal/line"
	"dialtone/internal/problem"
	"dialtone/internal/session"
	"dialtone/internal/sipaddr"
)

// lineUnregisterTimeout bounds the unregister before "dialtone line" exits.
const lineUnregisterTimeout = 3 * time.Second

// lineCmd runs "dialtone line": sign in silently, register the account's
// phone line once with the access token (RFC 8898), print the registration,
// and unregister — or, with --stay, keep it registered until Ctrl-C.
func (c *cli) lineCmd(ctx context.Context, args []string) int {
	s := settingsFrom(c.getenv)
	var asJSON, stay bool
	err := c.flags("dialtone line", args, &s, []string{"demo", "directory", "debug"}, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the registration as JSON")
		fs.BoolVar(&stay, "stay", false, "keep the line registered, renewing it, until Ctrl-C")
	})
	if err != nil {
		return c.fail(err)
	}
	p, err := build(s, c.stderr)
	if err != nil {
		return c.fail(err)
	}
	sess, err := p.sessions.Resume(ctx)
	if err != nil {
		return c.fail(err)
	}
	l, err := c.openLine(ctx, p, sess)
	if err != nil {
		return c.fail(err)
	}
	defer l.Close()
	st, err := l.Register(ctx)
	if err != nil {
		return c.fail(err)
	}
	if code := c.printLine(l, st, asJSON); code != problem.ExitOK {
		return code
	}
	if stay {
		fmt.Fprintln(c.stderr, "dialtone: keeping the line registered; press Ctrl-C to unregister and exit.")
		if err := l.Run(ctx); err != nil && ctx.Err() == nil {
			unregister(l)
			return c.fail(err)
		}
	}
	unregister(l)
	return problem.ExitOK
}

// openLine prepares the account's line as the app does (agent.FollowLine):
// the one the directory names now, kept with the session when an admin
// added, changed or removed it; the one stored with the session when the
// directory cannot answer (or none is configured).
func (c *cli) openLine(ctx context.Context, p *parts, sess *session.Session) (*line.Line, error) {
	cfg, issuer, err := agent.FollowLine(ctx, p.sessions, lineFinder(p), sess.Email)
	switch {
	case cfg == nil && err != nil:
		return nil, err
	case cfg == nil:
		return nil, dialer.ErrNoLine
	case err != nil:
		p.logger.Debug("registering the line stored with the session", "err", err)
	}
	forAgent, err := cfg.ForAgent(sess.Email)
	if err != nil {
		return nil, err
	}
	return line.New(forAgent, issuer, agent.LineTokens(p.sessions), line.Options{Logger: p.logger,
		OnState: func(s line.State) {
			p.logger.Debug("line", "status", s.Status.String(), "next_try", s.NextTry, "err", s.Err)
		}})
}

// lineFinder is the directory, which says which line the account has now;
// nil when none is configured (a provider list file): then the line stored
// with the session is the account's. The app and "dialtone line" both use it.
func lineFinder(p *parts) agent.LineFinder {
	if p.directory.URL == "" {
		return nil
	}
	return directoryLines{p.directory}
}

// directoryLines is the agent's LineFinder: the directory's fresh answer
// (never the cached one) names the account's line.
type directoryLines struct{ c *directory.Client }

// FindLine returns the line the directory names for email's account now
// (nil: none).
func (d directoryLines) FindLine(ctx context.Context, email string) (*sipaddr.Config, error) {
	list, err := d.c.Lookup(ctx, email)
	if err != nil {
		return nil, err
	}
	return list.Line, nil
}

// printLine prints the registration: JSON with asJSON, else a sentence.
func (c *cli) printLine(l *line.Line, st line.State, asJSON bool) int {
	if !asJSON {
		fmt.Fprintf(c.stdout, "Line %s registered at %s until %s.\n", l.AOR(), l.Registrar(), st.ExpiresAt.Local().Format(time.DateTime))
		return problem.ExitOK
	}
	out := struct {
		State     string `json:"state"`
		Registrar string `json:"registrar"`
		AOR       string `json:"aor"`
		ExpiresAt string `json:"expires_at"`
	}{st.Status.String(), l.Registrar(), l.AOR(), st.ExpiresAt.UTC().Format(time.RFC3339)}
	if err := json.NewEncoder(c.stdout).Encode(out); err != nil {
		fmt.Fprintf(c.stderr, "dialtone: could not write the result: %v\n", err)
		return problem.ExitFailure
	}
	return problem.ExitOK
}

// unregister removes the registration (Expires: 0) within
// lineUnregisterTimeout, whatever ended the command.
func unregister(l *line.Line) {
	ctx, cancel := context.WithTimeout(context.Background(), lineUnregisterTimeout)
	defer cancel()
	_ = l.Unregister(ctx) // if it fails, the registration lapses at its expiry
}

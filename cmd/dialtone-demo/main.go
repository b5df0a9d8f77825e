// Command dialtone-demo runs Dialtone's local demo servers until Ctrl-C: a
// provider directory with the demo accounts, an OpenID provider with the
// demo users, and a SIP registrar for Acme's phone line, on loopback only.
// Then sign in, and register the line, from another terminal:
//
//	go run ./cmd/dialtone-demo
//	go run . login --demo --email agent@acme.test
//	go run . line --demo --json
//
// With -for-app it is the demo the desktop app starts when no directory is
// configured (internal/demoproc): it prints one line
//
//	dialtone-demo ready directory=URL state=DIR
//
// on stdout once it serves, its instructions on stderr, and stops when its
// stdin closes — which happens when the app exits, however it exits.
//
// It must never import the desktop app's packages (Fyne, the UI, the
// keyring, the session store): the app reaches the demo over loopback only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"dialtone/internal/demo"
	"dialtone/internal/demoproc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "dialtone-demo:", err)
		os.Exit(1)
	}
}

// run starts the demo, prints how to use it, and serves until ctx ends.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	opts, forApp, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	// zitadel/oidc logs through the default logger: its routes at every
	// start (Info), which only -debug shows, and refused requests (Warn).
	slog.SetDefault(opts.Logger)
	if forApp {
		var stop context.CancelFunc
		ctx, stop = context.WithCancel(ctx)
		defer stop()
		go func() { _, _ = io.Copy(io.Discard, stdin); stop() }() // the app is gone
	}
	d, err := demo.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer d.Close()
	if forApp {
		fmt.Fprint(stderr, d.Instructions())
		fmt.Fprintf(stdout, "%s directory=%s state=%s\n", demoproc.ReadyPrefix, d.DirectoryURL, d.StateDir)
		<-ctx.Done()
		return d.Close()
	}
	fmt.Fprint(stdout, d.Instructions())
	fmt.Fprintf(stdout, "\nSign in from another terminal, then register the phone line (--demo keeps the demo's session apart from a real one):\n  go run . login --demo --email %s --directory %s\n  go run . line --demo --directory %s --json\nPress Ctrl-C to stop.\n", d.Users[0].Email, d.DirectoryURL, d.DirectoryURL)
	<-ctx.Done()
	return d.Close()
}

func parseFlags(args []string, stderr io.Writer) (o demo.Options, forApp bool, err error) {
	var debug bool
	fs := flag.NewFlagSet("dialtone-demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.StateDir, "state-dir", "", "`directory` of the demo's state (default: the user cache directory's dialtone-demo)")
	fs.StringVar(&o.IssuerAddr, "issuer-addr", demo.DefaultIssuerAddr, "loopback `address` of the identity provider; keep it the same between runs")
	fs.StringVar(&o.DirectoryAddr, "directory-addr", demo.DefaultDirectoryAddr, "loopback `address` of the provider directory")
	fs.StringVar(&o.RegistrarAddr, "registrar-addr", demo.DefaultRegistrarAddr, "loopback `address` of the phone registrar (TCP and UDP)")
	fs.BoolVar(&debug, "debug", false, "log every request (method and path) on stderr")
	fs.BoolVar(&forApp, "for-app", false, "run for the desktop app: print the ready line on stdout, stop when stdin closes")
	if err := fs.Parse(args); err != nil {
		return o, false, err
	}
	if fs.NArg() > 0 {
		return o, false, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	level := slog.LevelWarn
	if debug {
		level = slog.LevelDebug
	}
	o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	return o, forApp, nil
}

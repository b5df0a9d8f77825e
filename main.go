// Dialtone is a desktop softphone login client: it signs call-centre agents
// in through their company's single sign-on (OpenID Connect with PKCE in
// the system browser) and shows the dialer. Run without arguments for the
// desktop app; "dialtone help" lists the commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is the whole program behind main, so tests can drive it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		return runApp(ctx, c)
	}
	switch args[0] {
	case "login":
		return c.login(ctx, args[1:])
	case "status":
		return c.status(ctx, args[1:])
	case "logout":
		return c.logout(ctx, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "dialtone: unknown command %q\n%s", args[0], usage)
	return exitUsage
}

const usage = `Usage:
  dialtone                 start the desktop app
  dialtone login --email EMAIL [--provider ID] [--providers FILE | --directory URL]
                 [--browser-command CMD] [--timeout 5m] [--debug]
                           sign in through the browser and print the session as JSON
  dialtone status [--json] sign in silently with the stored session
  dialtone logout [--everywhere]
                           revoke the session at the provider and forget it here
  dialtone help            show this help

Exit codes: 0 signed in, 2 usage error, 3 sign-in refused or failed a check
(status: sign-in required), 4 directory or identity provider unreachable
(status: offline, the session is kept), 5 cancelled or timed out.

Environment: DIALTONE_DIRECTORY (the directory URL), DIALTONE_BROWSER (a
browser command), DIALTONE_CONFIG_DIR (where session metadata lives).
`

// runApp starts the desktop app.
func runApp(ctx context.Context, c *cli) int {
	fmt.Fprintln(c.stderr, "dialtone: the desktop app is not part of this build yet; use \"dialtone login\" (see dialtone help)")
	return exitUsage
}

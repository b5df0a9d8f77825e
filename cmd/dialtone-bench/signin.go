package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The screens signin waits for, from Dialtone's --debug log.
var (
	emailOrDialer = regexp.MustCompile(`msg=screen name=(email|dialer/online)$`)
	dialerOnline  = regexp.MustCompile(`msg=screen name=dialer/online$`)
)

// signinConfig is what "dialtone-bench signin" does.
type signinConfig struct {
	email, password string
	timeout         time.Duration
	argv            []string
	logPath         string
	log             io.Writer
}

func parseSignin(args []string, stderr io.Writer) (*signinConfig, error) {
	fs := flag.NewFlagSet("dialtone-bench signin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &signinConfig{log: io.Discard}
	fs.StringVar(&c.email, "email", "agent@acme.test", "the email to type into Dialtone and at the provider")
	fs.StringVar(&c.password, "password", "dialtone-demo", "the password to give the provider")
	fs.DurationVar(&c.timeout, "timeout", 90*time.Second, "the longest each step may take")
	fs.StringVar(&c.logPath, "log", "", "append Dialtone's and the browser's output to this `file`")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if c.argv = fs.Args(); len(c.argv) == 0 {
		return nil, errors.New("signin: no program given")
	}
	if strings.ContainsAny(c.logPath+c.email+c.password, " \t\n") {
		return nil, errors.New("signin: the log path, email and password must not contain spaces (they go into DIALTONE_BROWSER)")
	}
	var err error
	if c.logPath != "" {
		c.log, err = os.OpenFile(c.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	}
	return c, err
}

// signinCommand starts Dialtone, types the email into its window, lets
// "dialtone-bench browse" sign in at the provider, waits for the dialer
// and stops Dialtone, which leaves the session stored for the next launch.
func signinCommand(args []string, stderr io.Writer) error {
	c, err := parseSignin(args, stderr)
	if err != nil {
		return err
	}
	browser, err := c.browserCommand()
	if err != nil {
		return err
	}
	fmt.Fprintf(c.log, "== signin: %s\n", strings.Join(c.argv, " "))
	p, err := startProc(c.argv, append(os.Environ(), "DIALTONE_BROWSER="+browser), c.log)
	if err != nil {
		return err
	}
	defer p.stop()
	at, err := p.waitFor(emailOrDialer, 0, c.timeout)
	if err != nil {
		return err
	}
	if dialerOnline.MatchString(p.linesUpTo(at)[at].text) {
		return nil // signed in already
	}
	if err := c.typeEmail(p.cmd.Process.Pid); err != nil {
		return err
	}
	_, err = p.waitFor(dialerOnline, at, c.timeout)
	return err
}

// browserCommand is DIALTONE_BROWSER: this program's browse command.
func (c *signinConfig) browserCommand() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("signin: could not find this program: %w", err)
	}
	if strings.ContainsAny(self, " \t\n") {
		return "", fmt.Errorf("signin: this program's path %q contains a space", self)
	}
	cmd := fmt.Sprintf("%s browse -user %s -password %s", self, c.email, c.password)
	if c.logPath != "" {
		cmd += " -log " + c.logPath
	}
	return cmd, nil
}

// typeEmail types the email into the window of process pid and presses
// Return. Xvfb runs no window manager, so xdotool gives the window the
// focus itself (windowactivate would need one).
func (c *signinConfig) typeEmail(pid int) error {
	out, err := c.xdotool("search", "--sync", "--onlyvisible", "--pid", strconv.Itoa(pid), "--name", "^Dialtone$")
	if err != nil {
		return err
	}
	ids := strings.Fields(out)
	if len(ids) == 0 {
		return errors.New("signin: no Dialtone window")
	}
	for _, args := range [][]string{
		{"windowfocus", "--sync", ids[0]},
		{"type", "--delay", "15", c.email},
		{"key", "Return"},
	} {
		if _, err := c.xdotool(args...); err != nil {
			return err
		}
	}
	return nil
}

// xdotool runs xdotool with args, bounded by c.timeout, and returns its
// output.
func (c *signinConfig) xdotool(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "xdotool", args...).Output()
	if err != nil {
		return "", fmt.Errorf("signin: xdotool %s: %w", args[0], err)
	}
	return string(out), nil
}

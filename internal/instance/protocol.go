package instance

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// The exchange, one line each way, every read bounded by a deadline and by
// maxExchange bytes:
//
//	running → launch:  "dialtone-instance/1 " nonceS
//	launch → running:  nonceC " " HMAC(token, "launch", nonceS, nonceC)
//	running → launch:  HMAC(token, "running", nonceC, nonceS) " " pid
//	launch → running:  the arguments as a JSON array of strings
//	running → launch:  "ok"
//
// The running instance closes the connection without a word when the
// launch's HMAC is wrong; the launch sends no argument before the running
// instance has proved the token too. Nonces are 32 random bytes, all binary
// values hex.
const greeting = "dialtone-instance/1"

// maxExchange bounds the bytes either side reads from one connection.
const maxExchange = 80 << 10

// maxArgs and maxArgsSize bound the arguments handed over.
const (
	maxArgs     = 64
	maxArgsSize = 64 << 10
)

// staleError reports a rendezvous that names no reachable Dialtone: no
// file, a damaged one, a closed port, or a listener that does not prove
// the token. The launch takes over.
type staleError struct{ err error }

func (e *staleError) Error() string { return e.err.Error() }
func (e *staleError) Unwrap() error { return e.err }

func stale(format string, args ...any) error { return &staleError{fmt.Errorf(format, args...)} }

func mac(token []byte, label string, a, b []byte) []byte {
	h := hmac.New(sha256.New, token)
	h.Write([]byte(label))
	h.Write(a)
	h.Write(b)
	return h.Sum(nil)
}

func nonce() []byte {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics instead)
	return b
}

// handOff sends args to the instance listening on 127.0.0.1:port that
// knows token. It returns nil once the running instance has taken them, a
// *staleError when nothing there proves the token, or another error when
// the running instance proved itself but did not take them.
func handOff(ctx context.Context, port int, token []byte, args []string) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return &staleError{fmt.Errorf("instance: nothing listens on the rendezvous port: %w", err)}
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	r := bufio.NewReader(io.LimitReader(conn, maxExchange))
	pid, err := proveLaunch(r, conn, token)
	if err != nil {
		return err
	}
	allowForeground(pid)
	if err := sendArgs(r, conn, args); err != nil {
		return fmt.Errorf("instance: the running Dialtone did not take the arguments: %w", err)
	}
	return nil
}

// proveLaunch is the launch's half of the proof; it returns the running
// instance's process id.
func proveLaunch(r *bufio.Reader, w io.Writer, token []byte) (pid int, err error) {
	line, err := readLine(r)
	nonceS, ok := strings.CutPrefix(line, greeting+" ")
	ns, herr := hex.DecodeString(nonceS)
	if err != nil || !ok || herr != nil || len(ns) != 32 {
		return 0, stale("instance: the rendezvous port does not answer as Dialtone (%v)", err)
	}
	nc := nonce()
	if _, err := fmt.Fprintf(w, "%x %x\n", nc, mac(token, "launch", ns, nc)); err != nil {
		return 0, stale("instance: the rendezvous port closed: %w", err)
	}
	line, err = readLine(r)
	sum, pidText, _ := strings.Cut(line, " ")
	got, herr := hex.DecodeString(sum)
	pid, perr := strconv.Atoi(pidText)
	if err != nil || herr != nil || perr != nil || !hmac.Equal(got, mac(token, "running", nc, ns)) {
		return 0, stale("instance: the listener on the rendezvous port does not know the token (%v)", err)
	}
	return pid, nil
}

func sendArgs(r *bufio.Reader, w io.Writer, args []string) error {
	if args == nil {
		args = []string{}
	}
	data, err := json.Marshal(args)
	if err != nil {
		return err
	}
	if _, err := w.Write(append(data, '\n')); err != nil {
		return err
	}
	line, err := readLine(r)
	if err == nil && line != "ok" {
		err = fmt.Errorf("it answered %q", line)
	}
	return err
}

// proveRunning is the running instance's half of the proof, on a
// connection it accepted. It returns an error, and the caller closes the
// connection without answering, when the launch does not know the token.
func proveRunning(r *bufio.Reader, w io.Writer, token []byte, pid int) error {
	ns := nonce()
	if _, err := fmt.Fprintf(w, "%s %x\n", greeting, ns); err != nil {
		return err
	}
	line, err := readLine(r)
	if err != nil {
		return err
	}
	ncText, sumText, _ := strings.Cut(line, " ")
	nc, err1 := hex.DecodeString(ncText)
	sum, err2 := hex.DecodeString(sumText)
	if err1 != nil || err2 != nil || len(nc) != 32 || !hmac.Equal(sum, mac(token, "launch", ns, nc)) {
		return errors.New("instance: a launch did not prove the token")
	}
	_, err = fmt.Fprintf(w, "%x %d\n", mac(token, "running", nc, ns), pid)
	return err
}

// readArgs reads and checks the launch's arguments.
func readArgs(r *bufio.Reader) ([]string, error) {
	line, err := readLine(r)
	if err != nil {
		return nil, err
	}
	if len(line) > maxArgsSize {
		return nil, fmt.Errorf("instance: the arguments are larger than %d bytes", maxArgsSize)
	}
	var args []string
	if err := json.Unmarshal([]byte(line), &args); err != nil {
		return nil, fmt.Errorf("instance: the arguments are not a JSON list of strings: %w", err)
	}
	if len(args) > maxArgs {
		return nil, fmt.Errorf("instance: %d arguments, more than %d", len(args), maxArgs)
	}
	return args, nil
}

// readLine reads one line without its newline. The reader beneath is
// limited to maxExchange bytes, so a line never grows beyond that.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	return strings.TrimSuffix(line, "\n"), nil
}

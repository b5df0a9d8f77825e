package line

import (
	"context"
	"errors"
	"fmt"

	"github.com/emiago/sipgo/sip"
)

// errNoAnswer is the cause of a transaction that timed out.
var errNoAnswer = errors.New("the registrar did not answer")

// exchange runs one REGISTER transaction on sipgo's transaction layer and
// waits, at most Options.Timeout, for its final response. The Contact is
// filled in once the connection, and so our port, is known.
func (l *Line) exchange(ctx context.Context, req *sip.Request, expires int) (*sip.Response, sip.Uri, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, l.opts.Timeout, errNoAnswer)
	defer cancel()
	tx, err := l.ua.TransactionLayer().NewClientTransaction(ctx, req)
	if err != nil {
		return nil, sip.Uri{}, err
	}
	defer tx.Terminate()
	ours := l.setContacts(req, tx.Connection(), expires)
	if err := tx.Init(); err != nil {
		return nil, ours, err
	}
	res, err := finalResponse(ctx, tx)
	return res, ours, err
}

// finalResponse skips provisional responses.
func finalResponse(ctx context.Context, tx *sip.ClientTx) (*sip.Response, error) {
	for {
		select {
		case res := <-tx.Responses():
			if !res.IsProvisional() {
				return res, nil
			}
		case <-tx.Done():
			if err := tx.Err(); err != nil {
				return nil, err
			}
			return nil, errors.New("the transaction ended without a response")
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
}

// sendErr turns a failed exchange into the caller's cancellation or an
// *UnreachableError, and forgets what a new network may change.
func (l *Line) sendErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("line: registration at %s stopped: %w", l.target, context.Cause(ctx))
	}
	op := "register at " + l.where()
	l.localIP, l.authorized, l.target, l.transport = "", false, l.registrar, l.registrar.Transport
	l.hops, l.hop = nil, 0 // look up again: DNS and the network may change
	return &UnreachableError{Op: op, Err: err}
}

// where names the target for messages, with the address in use when DNS
// chose it: "sips:acme.test (192.0.2.7:5061, SRV)".
func (l *Line) where() string {
	if l.hops == nil || isLiteralOrLocal(l.target.Host) {
		return l.target.String()
	}
	h := l.hops[l.hop]
	if h.srv {
		return fmt.Sprintf("%s (%s, SRV)", l.target, h.addr)
	}
	return fmt.Sprintf("%s (%s)", l.target, h.addr)
}

package line

import (
	"context"
	"dialtone/internal/sipaddr"
	"errors"
	"time"

	"github.com/emiago/sipgo/sip"
)

// attempt is one registration or removal. Its counters bound the extra
// rounds RFC 8898 and RFC 3261 allow, so no registrar can keep it going.
type attempt struct {
	expires   int  // seconds asked for; 0 removes our contacts
	bearer    bool // send the access token
	refresh   bool // get a new token first: the registrar rejected the last one
	refreshed bool // the token was refreshed once already
	redirects int
	adjusted  int // 423 rounds
	rounds    int
}

// Bounds on one attempt.
const (
	maxRedirects = 3
	maxAdjusts   = 2
	maxRounds    = 8
)

// register runs one attempt to completion and returns the time the
// registrar granted. Errors are *RefusedError, *UnreachableError or the
// caller's cancellation.
func (l *Line) register(ctx context.Context, expires int) (time.Duration, error) {
	a := &attempt{expires: expires, bearer: l.authorized}
	for ; a.rounds < maxRounds; a.rounds++ {
		res, ours, err := l.send(ctx, a)
		if err != nil {
			return 0, err
		}
		if done, granted, err := l.handle(a, res, ours); done {
			return granted, err
		}
	}
	return 0, l.refused(ReasonBadResponse, nil)
}

// handle acts on a final response. done is false when the attempt goes on
// with another round.
func (l *Line) handle(a *attempt, res *sip.Response, ours sip.Uri) (done bool, granted time.Duration, err error) {
	switch code := res.StatusCode; {
	case code >= 200 && code < 300:
		return true, l.registered(a, res, ours), nil
	case code == 401:
		err = l.challenged(a, res)
	case code == 423:
		err = l.tooBrief(a, res)
	case code >= 300 && code < 400:
		err = l.redirected(a, res)
	case code == 503 && l.nextHop(a):
		// RFC 3263 §4.3: another server of the domain may serve us.
	case code == 408 || (code >= 500 && code < 600):
		err = &UnreachableError{Op: "register at " + l.where(), Status: code,
			Phrase: cleanPhrase(res.Reason), RetryAfter: retryAfter(res)}
		l.hops, l.hop = nil, 0 // the next attempt starts again from the best hop
	case code == 403:
		err = l.refused(ReasonForbidden, res)
	default:
		err = l.refused(ReasonRejected, res)
	}
	return err != nil, 0, err
}

// registered records a 2xx: the contacts the registrar now holds and, when
// the token was sent, that this target may get it at once next time.
func (l *Line) registered(a *attempt, res *sip.Response, ours sip.Uri) time.Duration {
	l.authorized = a.bearer
	if a.expires == 0 {
		l.contacts = nil
		return 0
	}
	l.contacts = []sip.Uri{ours}
	return grantedExpires(res, ours, a.expires)
}

// challenged handles a 401 (RFC 8898 §2.3): the token goes only to a
// registrar whose Bearer challenge names our issuer; a rejected token is
// refreshed once and retried once.
func (l *Line) challenged(a *attempt, res *sip.Response) error {
	l.authorized = false
	c, found, err := bearerChallenge(res)
	if !found || err != nil {
		return l.refused(ReasonNoBearerChallenge, res)
	}
	if server := c.params["authz_server"]; !sameIssuer(server, l.issuer) {
		re := l.refused(ReasonWrongAuthzServer, res)
		re.AuthzServer = server
		return re
	}
	switch {
	case !a.bearer:
		a.bearer = true
	case !a.refreshed:
		a.refresh, a.refreshed = true, true
	default:
		return l.refused(ReasonTokenRefused, res)
	}
	return nil
}

// tooBrief handles 423 Interval Too Brief: ask again for Min-Expires.
func (l *Line) tooBrief(a *attempt, res *sip.Response) error {
	n, ok := headerSeconds(res, "Min-Expires")
	if !ok || n <= a.expires || a.expires == 0 || a.adjusted >= maxAdjusts {
		return l.refused(ReasonBadResponse, res)
	}
	a.adjusted++
	a.expires, l.expires = n, n
	return nil
}

// redirected follows a 3xx to a registrar in the same domain, which must
// challenge again before it gets a token.
func (l *Line) redirected(a *attempt, res *sip.Response) error {
	target, ok := l.redirectTarget(res)
	if a.redirects++; !ok || a.redirects > maxRedirects {
		return l.refused(ReasonRedirect, res)
	}
	l.target, l.transport, l.localIP = target, target.Transport, ""
	l.hops, l.hop = nil, 0
	a.bearer, l.authorized = false, false
	return nil
}

// refused builds the refusal for res (nil when there is no response).
func (l *Line) refused(reason Reason, res *sip.Response) *RefusedError {
	e := &RefusedError{Reason: reason, Registrar: l.target.String(), Issuer: l.issuer}
	if res != nil {
		e.Status, e.Phrase = res.StatusCode, cleanPhrase(res.Reason)
	}
	return e
}

// send gets a token when the attempt needs one and runs one transaction at
// the current hop, moving from UDP to TCP when the request is too large for
// UDP (RFC 3261 §18.1.1), and on to the next hop when the network fails
// (RFC 3263 §4.3).
func (l *Line) send(ctx context.Context, a *attempt) (*sip.Response, sip.Uri, error) {
	token, err := l.token(ctx, a)
	if err != nil {
		return nil, sip.Uri{}, err
	}
	if err := l.findHops(ctx); err != nil {
		return nil, sip.Uri{}, l.sendErr(ctx, err)
	}
	for {
		res, ours, err := l.sendHere(ctx, a.expires, token)
		if err == nil {
			return res, ours, nil
		}
		if ctx.Err() != nil || !l.nextHop(a) {
			return nil, sip.Uri{}, l.sendErr(ctx, err)
		}
		token = "" // a new hop must challenge before it gets the token
	}
}

// findHops locates the target (see locate) unless it was, and readies the
// user agent for its TLS name.
func (l *Line) findHops(ctx context.Context) error {
	if err := l.useTLSName(l.target.Host); err != nil {
		return err
	}
	if l.hops != nil {
		return nil
	}
	hops, err := locate(ctx, l.opts.Resolver, l.target)
	if err != nil {
		return err
	}
	l.hops, l.hop, l.transport, l.localIP = hops, 0, hops[0].transport, ""
	return nil
}

// nextHop moves to the next hop, if there is one. The attempt's token is
// held back until the new hop challenges for it.
func (l *Line) nextHop(a *attempt) bool {
	if l.hop+1 >= len(l.hops) {
		return false
	}
	l.hop++
	l.transport, l.localIP, l.authorized, a.bearer = l.hops[l.hop].transport, "", false, false
	return true
}

// sendHere runs one transaction at the current hop.
func (l *Line) sendHere(ctx context.Context, expires int, token string) (*sip.Response, sip.Uri, error) {
	l.watch.to = l.hops[l.hop].addr.Addr()
	if l.localIP == "" {
		ip, err := findLocalIP(l.hops[l.hop].addr.Addr())
		if err != nil {
			return nil, sip.Uri{}, err
		}
		l.localIP = ip
	}
	res, ours, err := l.sendOnce(ctx, expires, token)
	if errors.Is(err, sip.ErrUDPMTUCongestion) && l.transport == sipaddr.TransportUDP {
		l.transport = sipaddr.TransportTCP
		res, ours, err = l.sendOnce(ctx, expires, token)
	}
	return res, ours, err
}

func (l *Line) sendOnce(ctx context.Context, expires int, token string) (*sip.Response, sip.Uri, error) {
	req, err := l.nextRequest(expires, token)
	if err != nil {
		return nil, sip.Uri{}, err
	}
	return l.exchange(ctx, req, expires)
}

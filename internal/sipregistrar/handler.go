package sipregistrar

import (
	"strconv"
	"time"

	"github.com/emiago/sipgo/sip"
)

// onRegister answers one REGISTER (RFC 3261 §10.3 with RFC 8898 §2).
// Each REGISTER is logged at Debug with its answer's status (never its
// Authorization header), for counting round trips.
func (r *Registrar) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	res := r.answer(req)
	r.cfg.Logger.Debug("sipregistrar: register", "status", res.StatusCode, "bearer", req.GetHeader("Authorization") != nil)
	if err := tx.Respond(res); err != nil {
		r.cfg.Logger.Info("sipregistrar: could not respond", "error", err)
	}
}

func (r *Registrar) answer(req *sip.Request) *sip.Response {
	to := req.To()
	if to == nil || req.CallID() == nil || req.CSeq() == nil {
		return sip.NewResponseFromRequest(req, 400, "Bad Request", nil)
	}
	tok, problem := r.authenticate(req)
	if problem != authOK {
		return r.challenge(req, problem)
	}
	aor := "sip:" + to.Address.User + "@" + to.Address.Host
	if err := r.cfg.Authorize(aor, tok); err != nil {
		r.cfg.Logger.Info("sipregistrar: token may not register this address", "aor", aor, "subject", tok.Subject)
		return sip.NewResponseFromRequest(req, 403, "Forbidden", nil)
	}
	now := r.cfg.Now()
	if wildcard(req) {
		return r.removeAll(req, aor, now)
	}
	changes, res := r.changes(req, now, tok.Expiry)
	if res != nil {
		return res
	}
	if !r.table.update(aorKey(aor), changes, now) {
		return sip.NewResponseFromRequest(req, 500, "Out of Order CSeq", nil)
	}
	return r.ok(req, aor, now)
}

// ok answers 200 with every current binding and its remaining time.
func (r *Registrar) ok(req *sip.Request, aor string, now time.Time) *sip.Response {
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	for _, b := range r.table.bindings(aorKey(aor), now) {
		var uri sip.Uri
		if err := sip.ParseUri(b.Contact, &uri); err != nil {
			continue
		}
		secs := int(b.Expires.Sub(now).Round(time.Second) / time.Second)
		res.AppendHeader(&sip.ContactHeader{Address: uri, Params: sip.HeaderParams{{K: "expires", V: strconv.Itoa(secs)}}})
	}
	res.AppendHeader(sip.NewHeader("Date", now.UTC().Format(time.RFC1123)))
	return res
}

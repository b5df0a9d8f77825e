package sipregistrar

import (
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// changes reads the request's contacts and their expiry. res is the error
// response when the request cannot be applied: 400 for a malformed request,
// 423 with Min-Expires for a too brief one.
func (r *Registrar) changes(req *sip.Request, now, tokenExpiry time.Time) (bs []Binding, res *sip.Response) {
	def, ok := r.headerExpires(req)
	if !ok {
		return nil, sip.NewResponseFromRequest(req, 400, "Bad Expires", nil)
	}
	for _, h := range req.GetHeaders("Contact") {
		c, ok := h.(*sip.ContactHeader)
		if !ok {
			return nil, sip.NewResponseFromRequest(req, 400, "Bad Contact", nil)
		}
		b, res := r.binding(req, c, def, now, tokenExpiry)
		if res != nil {
			return nil, res
		}
		bs = append(bs, b)
	}
	return bs, nil
}

// binding is one contact's change; its time is capped by MaxExpires and by
// the token's expiry.
func (r *Registrar) binding(req *sip.Request, c *sip.ContactHeader, def time.Duration, now, tokenExpiry time.Time) (Binding, *sip.Response) {
	d := def
	if v, ok := c.Params.Get("expires"); ok {
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
		if err != nil {
			return Binding{}, sip.NewResponseFromRequest(req, 400, "Bad Contact expires", nil)
		}
		d = time.Duration(n) * time.Second
	}
	if d > 0 && d < r.cfg.MinExpires {
		res := sip.NewResponseFromRequest(req, 423, "Interval Too Brief", nil)
		res.AppendHeader(sip.NewHeader("Min-Expires", strconv.Itoa(int(r.cfg.MinExpires/time.Second))))
		return Binding{}, res
	}
	expires := now.Add(min(d, r.cfg.MaxExpires))
	if d > 0 && expires.After(tokenExpiry) {
		expires = tokenExpiry
	}
	return Binding{Contact: c.Address.String(), Expires: expires,
		CallID: req.CallID().Value(), CSeq: req.CSeq().SeqNo}, nil
}

// headerExpires reads the Expires header; absent means DefaultExpires.
func (r *Registrar) headerExpires(req *sip.Request) (time.Duration, bool) {
	h := req.GetHeader("Expires")
	if h == nil {
		return r.cfg.DefaultExpires, true
	}
	n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32)
	return time.Duration(n) * time.Second, err == nil
}

// wildcard reports whether the request has a "Contact: *".
func wildcard(req *sip.Request) bool {
	for _, h := range req.GetHeaders("Contact") {
		if c, ok := h.(*sip.ContactHeader); ok && c.Address.Wildcard {
			return true
		}
	}
	return false
}

// removeAll handles "Contact: *", allowed only alone and with Expires: 0
// (RFC 3261 §10.3 step 6).
func (r *Registrar) removeAll(req *sip.Request, aor string, now time.Time) *sip.Response {
	if len(req.GetHeaders("Contact")) != 1 || req.GetHeader("Expires") == nil || strings.TrimSpace(req.GetHeader("Expires").Value()) != "0" {
		return sip.NewResponseFromRequest(req, 400, "Bad Wildcard", nil)
	}
	r.table.clear(aorKey(aor))
	return r.ok(req, aor, now)
}

package sipregistrar

import (
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// changes reads the request's contacts and their expiry. res is the error
// response when the request cannot be applied: 400 for a malformed request,
// 423 with Min-Expires for a too brief one. A wildcard removes everything.
func (r *Registrar) changes(req *sip.Request, now, tokenExpiry time.Time) (bs []Binding, res *sip.Response) {
	def, ok := r.headerExpires(req)
	if !ok {
		return nil, sip.NewResponseFromRequest(req, 400, "Bad Expires", nil)
	}
	contacts := req.GetHeaders("Contact")
	for _, h := range contacts {
		c, ok := h.(*sip.ContactHeader)
		if !ok {
			return nil, sip.NewResponseFromRequest(req, 400, "Bad Contact", nil)
		}
		if c.Address.Wildcard {
			return r.wildcard(req, len(contacts), def)
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

// wildcard handles "Contact: *", allowed only alone and with Expires: 0.
func (r *Registrar) wildcard(req *sip.Request, contacts int, expires time.Duration) ([]Binding, *sip.Response) {
	if contacts != 1 || expires != 0 || req.GetHeader("Expires") == nil {
		return nil, sip.NewResponseFromRequest(req, 400, "Bad Wildcard", nil)
	}
	to := req.To().Address
	r.table.clear(aorKey("sip:" + to.User + "@" + to.Host))
	return nil, nil
}

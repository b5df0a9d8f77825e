package broker

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"dialtone/auth"
	"dialtone/internal/idp"
)

// "Save and authorise": an admin signs in once through the upstream
// provider, in their own browser, through the broker's redirect URI and
// the same engine agents go through, and sees what came back before
// enabling the provider for agents. Nothing of that sign-in is kept but
// the report: no session, no token.

// AuthoriseReport is what an admin's sign-in through a brokered provider
// showed. It holds no token.
type AuthoriseReport struct {
	OK       bool      `json:"ok"` // no check failed (warnings allowed)
	At       time.Time `json:"at"`
	Issuer   string    `json:"issuer"`
	ClientID string    `json:"client_id"`
	Typed    string    `json:"typed"`           // the email the admin signed in as
	Email    string    `json:"email,omitempty"` // the email that came back
	Checks   []Check   `json:"checks"`
	// Claims are the names of the claims the provider sent (ID token and
	// userinfo); Missing, those the broker wants and did not get.
	Claims  []string `json:"claims,omitempty"`
	Missing []string `json:"missing,omitempty"`
}

// Check is one line of a report; Status is "ok", "warn", "fail" or
// "skipped".
type Check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// ErrNotBrokered reports a provider that is not in Brokered mode.
var ErrNotBrokered = errors.New("broker: the provider is not in Brokered mode")

// StartAuthorise starts an admin's sign-in at provider id of account as
// email, and returns the address to send the admin's browser to. The
// provider may be disabled (test before enabling) but must be Brokered.
// Errors from the provider (discovery, configuration) are returned: the
// admin page shows them.
func (b *Broker) StartAuthorise(ctx context.Context, account, id, email string) (string, error) {
	up, err := b.upstreamByName(ctx, account, id)
	if err != nil {
		return "", err
	}
	if !up.brokered {
		return "", ErrNotBrokered
	}
	return b.startFlow(ctx, up, email, "login", flow{Kind: flowAdmin}, nil)
}

// finishAdmin redeems the admin's sign-in, stores the report with the
// provider and sends the admin back to the admin page.
func (b *Broker) finishAdmin(w http.ResponseWriter, r *http.Request, fl *flow) {
	ctx := r.Context()
	up, err := b.upstreamByID(ctx, fl.AccountID, fl.ProviderID)
	if err != nil {
		renderMessage(w, http.StatusNotFound, "The provider is gone", "It was deleted while you signed in.")
		return
	}
	report := b.authorise(ctx, up, fl, r.URL.Query())
	if err := b.storeReport(ctx, up, report); err != nil {
		b.opts.Logger.Error("broker: could not store an authorise report", "err", err)
		renderMessage(w, http.StatusServiceUnavailable, "The result could not be saved", "Try again in a moment.")
		return
	}
	http.Redirect(w, r, b.opts.AdminReturn(up.account, up.p.ID), http.StatusSeeOther)
}

// The report's steps, in the order the engine runs them.
var authoriseSteps = []string{
	"Redirect back to the broker",
	"Code exchange",
	"ID token signature",
	"ID token claims (iss, aud, azp, exp, iat, nbf, nonce, sub)",
	"Userinfo",
	"Email is the one signed in as",
	"Email verified",
}

func (b *Broker) authorise(ctx context.Context, up upstream, fl *flow, q map[string][]string) *AuthoriseReport {
	rep := &AuthoriseReport{At: b.now(), Issuer: up.p.Issuer, ClientID: up.p.ClientID, Typed: fl.Code.Email}
	steps := slices.Clone(authoriseSteps)
	res, err := b.engine.Resolve(ctx, up.p)
	var s *auth.Session
	if err == nil {
		steps[1] += " (" + res.ClientAuthMethod() + ")"
		steps[4] += " (" + up.p.UserinfoMethod + ")"
		s, err = b.engine.Redeem(ctx, res, fl.Code, q)
	}
	failed := len(steps)
	if err != nil {
		failed = failedStep(err)
	}
	for i, name := range steps {
		switch {
		case i < failed:
			rep.Checks = append(rep.Checks, Check{Name: name, Status: "ok"})
		case i == failed:
			rep.Checks = append(rep.Checks, Check{Name: name, Status: "fail", Detail: strings.TrimPrefix(err.Error(), "auth: ")})
		default:
			rep.Checks = append(rep.Checks, Check{Name: name, Status: "skipped"})
		}
	}
	var ee *auth.EmailError
	if errors.As(err, &ee) {
		rep.Email = ee.Got
	}
	if s != nil {
		b.reportSession(ctx, rep, up, s)
	}
	rep.OK = !slices.ContainsFunc(rep.Checks, func(c Check) bool { return c.Status == "fail" })
	return rep
}

// failedStep maps an error of the engine to the step that made it.
func failedStep(err error) int {
	var (
		ve *auth.VerificationError
		ee *auth.EmailError
		pe *auth.ProviderError
		ce *idp.ConfigError
	)
	switch {
	case errors.As(err, &ve) && ve.Check == "state":
		return 0
	case errors.As(err, &ve) && (ve.Check == "signature" || ve.Check == "id_token"):
		return 2
	case errors.As(err, &ve) && strings.HasPrefix(ve.Check, "userinfo"):
		return 4
	case errors.As(err, &ve):
		return 3
	case errors.As(err, &ee) && ee.Problem == auth.EmailUnverified:
		return 6
	case errors.As(err, &ee):
		return 5
	case errors.As(err, &pe) && slices.Contains([]string{"invalid_client", "unauthorized_client", "invalid_grant", "invalid_response"}, pe.Code):
		return 1
	case errors.As(err, &pe):
		return 0
	case errors.As(err, &ce) && ce.Field == "userinfo_method":
		return 4
	}
	return 1
}

// reportSession adds what a successful sign-in showed: the email, the
// claims, what is missing, whether the email is the account's, and
// whether the broker can re-check the session later.
func (b *Broker) reportSession(ctx context.Context, rep *AuthoriseReport, up upstream, s *auth.Session) {
	rep.Email = s.Email
	claims := s.Claims()
	rep.Claims = slices.Sorted(maps.Keys(claims))
	for _, want := range []string{"email", "email_verified", "name"} {
		if _, ok := claims[want]; !ok {
			rep.Missing = append(rep.Missing, want)
		}
	}
	if account, err := b.accountOf(ctx, s.Email); err == nil && account != up.accountID {
		rep.Checks = append(rep.Checks, Check{Name: "Email belongs to the account", Status: "warn",
			Detail: s.Email + " is not an address of account " + up.account + ": agents of the account sign in, others are refused"})
	} else {
		rep.Checks = append(rep.Checks, Check{Name: "Email belongs to the account", Status: "ok"})
	}
	if s.HasRefreshToken() {
		rep.Checks = append(rep.Checks, Check{Name: "Refresh token (the broker re-checks sessions with it)", Status: "ok"})
	} else {
		rep.Missing = append(rep.Missing, "refresh_token")
		rep.Checks = append(rep.Checks, Check{Name: "Refresh token (the broker re-checks sessions with it)", Status: "warn",
			Detail: fmt.Sprintf("none issued: request offline_access (some providers also need prompt=consent), or agents must sign in again every %s", b.opts.Recheck)})
	}
}

// storeReport keeps the report with the provider and raises its version.
func (b *Broker) storeReport(ctx context.Context, up upstream, rep *AuthoriseReport) error {
	raw, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	return b.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE providers SET last_authorise = $1, version = version + 1 WHERE account_id = $2 AND id = $3", string(raw), up.accountID, up.p.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE accounts SET version = version + 1 WHERE id = $1", up.accountID)
		return err
	})
}

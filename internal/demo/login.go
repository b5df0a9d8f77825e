package demo

import (
	"context"
	_ "embed"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/zitadel/oidc/v3/example/server/storage"
)

//go:embed login.html
var loginHTML string

var loginTemplate = template.Must(template.New("login").Parse(loginHTML))

// loginPage is the provider's sign-in form, at the path the example's
// clients send the browser to: /login/username?authRequestID=…. A
// correct email and password mark the sign-in request done and send the
// browser back to the provider, which redirects it to Dialtone.
type loginPage struct {
	storage  *opStorage
	callback func(ctx context.Context, requestID string) string // op.AuthCallbackURL
	log      *slog.Logger
}

// loginData is what login.html shows.
type loginData struct {
	ID, Email, Error, Password string
	Users                      []User
}

// show serves GET: the form, with the email Dialtone sent as login_hint.
func (p *loginPage) show(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("authRequestID")
	req, err := p.storage.AuthRequestByID(r.Context(), id)
	if err != nil {
		p.render(w, http.StatusBadRequest, loginData{Error: expired})
		return
	}
	var hint string
	if ar, ok := req.(*storage.AuthRequest); ok {
		hint = ar.LoginHint
	}
	p.render(w, http.StatusOK, loginData{ID: id, Email: hint})
}

const expired = "This sign-in is unknown or has expired. Go back to Dialtone and sign in again."

// submit serves POST: check the password, then back to the provider.
func (p *loginPage) submit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "could not read the form", http.StatusBadRequest)
		return
	}
	id, email := r.PostFormValue("id"), r.PostFormValue("username")
	if _, err := p.storage.AuthRequestByID(r.Context(), id); err != nil {
		p.render(w, http.StatusBadRequest, loginData{Error: expired})
		return
	}
	if err := p.storage.CheckUsernamePassword(email, r.PostFormValue("password"), id); err != nil {
		p.render(w, http.StatusOK, loginData{ID: id, Email: email, Error: "Wrong email or password."})
		return
	}
	http.Redirect(w, r, p.callback(r.Context(), id), http.StatusFound)
}

func (p *loginPage) render(w http.ResponseWriter, status int, d loginData) {
	d.Password, d.Users = Password, Users()
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := loginTemplate.Execute(w, d); err != nil {
		p.log.Error("demo: could not render the sign-in page", "err", err)
	}
}

// loggedOut is where the provider's end-session endpoint sends the browser.
func loggedOut(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("You are signed out of the Dialtone demo identity provider. You can close this tab.\n"))
}

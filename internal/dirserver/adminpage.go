package dirserver

import (
	"bytes"
	"dialtone/internal/dirstore"
	"dialtone/internal/idp"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed templates/*.html static/*
var adminFiles embed.FS

var pageFuncs = template.FuncMap{
	"join":       strings.Join,
	"checkIcon":  checkIcon,
	"typeName":   typeName,
	"pathEscape": url.PathEscape,
	"formFor":    formFor,
}

var pages = map[string]*template.Template{
	"login":    parsePage("login.html"),
	"accounts": parsePage("accounts.html"),
	"account":  parsePage("account.html"),
	// authorise leaves for the upstream provider by a link (and a meta
	// refresh): a form's redirect to another origin would break the
	// page's form-action 'self'.
	"authorise": parsePage("authorise.html"),
}

func parsePage(name string) *template.Template {
	return template.Must(template.New(name).Funcs(pageFuncs).ParseFS(adminFiles, "templates/layout.html", "templates/"+name))
}

// pageCSP allows only this origin's stylesheet and script: no inline code.
const pageCSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// adminPageRoutes registers the server-rendered admin page under /admin.
func (s *Server) adminPageRoutes(mux *http.ServeMux) {
	static, _ := fs.Sub(adminFiles, "static")
	mux.Handle("GET /admin/static/", http.StripPrefix("/admin/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /admin", s.pageIndex)
	mux.HandleFunc("GET /admin/{$}", s.pageIndex)
	mux.HandleFunc("POST /admin/login", s.pageLogin)
	post := func(pattern string, h http.HandlerFunc) { mux.Handle("POST "+pattern, s.form(h)) }
	post("/admin/logout", s.pageLogout)
	post("/admin/accounts", s.pageCreateAccount)
	mux.Handle("GET /admin/accounts/{account}", s.signedIn(s.pageAccount))
	post("/admin/accounts/{account}", s.pageSaveAccount)
	post("/admin/accounts/{account}/delete", s.pageDeleteAccount)
	post("/admin/accounts/{account}/providers", s.pageSaveProvider)
	post("/admin/accounts/{account}/providers/{id}/flags", s.pageSetFlags)
	post("/admin/accounts/{account}/providers/{id}/test", s.pageTestProvider)
	post("/admin/accounts/{account}/providers/{id}/authorise", s.pageAuthoriseProvider)
	post("/admin/accounts/{account}/providers/{id}/delete", s.pageDeleteProvider)
}

// signedIn sends a visitor without a session to the sign-in page.
func (s *Server) signedIn(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.session(r) == "" {
			http.Redirect(w, r, "/admin", http.StatusSeeOther)
			return
		}
		h(w, r)
	})
}

// form guards a page POST: a bounded body, a session, the same origin and
// the CSRF token.
func (s *Server) form(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if !s.checkForm(r) {
			s.render(w, r, http.StatusForbidden, "login", &loginPage{page: page{Title: "Sign in", Error: "Your session expired or the form came from another site. Sign in again."}})
			return
		}
		h(w, r)
	})
}

// page is what every page's layout needs.
type page struct {
	Title    string
	Refresh  string // a URL to go on to at once
	CSRF     string
	SignedIn bool
	Flash    string
	Error    string
}

func (p *page) base() *page { return p }

type pageData interface{ base() *page }

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	p := data.base()
	if sess := s.session(r); sess != "" {
		p.SignedIn, p.CSRF = true, s.csrfToken(sess)
	}
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.opts.Logger.Error("directory: could not render the admin page", "page", name, "err", err)
		http.Error(w, "could not render the page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type loginPage struct{ page }

func (s *Server) pageIndex(w http.ResponseWriter, r *http.Request) {
	if s.session(r) == "" {
		s.render(w, r, http.StatusOK, "login", &loginPage{page: page{Title: "Sign in"}})
		return
	}
	s.renderAccounts(w, r, http.StatusOK, "")
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if !s.sameOrigin(r) {
		http.Error(w, "cross-site sign-in refused", http.StatusForbidden)
		return
	}
	v, err := s.admitToken(r.Context(), s.opts.ClientAddr(r), r.PostFormValue("token"))
	if err == nil && v.OK {
		err = s.newSession(r.Context(), w)
	}
	status, msg := http.StatusUnauthorized, "That is not the admin token."
	switch {
	case err != nil:
		s.opts.Logger.Error("directory: could not sign in", "err", err)
		status, msg = http.StatusServiceUnavailable, "The directory could not use its database. Try again later, or see its log."
	case v.OK:
		http.Redirect(w, r, "/admin", http.StatusSeeOther)
		return
	case v.Wait > 0:
		status, msg = http.StatusTooManyRequests, "Too many failed attempts from this address. Try again in "+waitText(v.Wait)+"."
		w.Header().Set("Retry-After", retryAfter(v.Wait))
	}
	s.render(w, r, status, "login", &loginPage{page: page{Title: "Sign in", Error: msg}})
}

// waitText says a wait in words.
func waitText(d time.Duration) string {
	if d <= time.Minute {
		return retryAfter(d) + " seconds"
	}
	return strconv.Itoa(int(math.Ceil(d.Minutes()))) + " minutes"
}

func (s *Server) pageLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.endSession(r.Context(), w, r); err != nil {
		s.opts.Logger.Error("directory: could not end an admin session", "err", err)
		s.renderAccounts(w, r, statusOf(err, http.StatusInternalServerError), "You are not signed out: "+sentence(err))
		return
	}
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

// accountsPage lists accounts, 50 a page, with a search.
type accountsPage struct {
	page
	Query      string
	Accounts   []AccountSummary
	Total      int
	PageNo     int
	Prev, Next string
	New        Account
}

const accountsPerPage = 50

func (s *Server) renderAccounts(w http.ResponseWriter, r *http.Request, status int, formErr string) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	no, _ := strconv.Atoi(r.URL.Query().Get("page"))
	no = max(no, 1)
	accounts, total, err := s.store.accounts(r.Context(), q, accountsPerPage, (no-1)*accountsPerPage)
	if err != nil {
		s.opts.Logger.Error("directory: could not list accounts", "err", err)
		http.Error(w, "could not read the accounts", http.StatusInternalServerError)
		return
	}
	data := &accountsPage{page: page{Title: "Accounts", Error: formErr, Flash: flash(r)}, Query: q, Accounts: accounts, Total: total, PageNo: no}
	link := func(n int) string { return "/admin?" + url.Values{"q": {q}, "page": {strconv.Itoa(n)}}.Encode() }
	if no > 1 {
		data.Prev = link(no - 1)
	}
	if no*accountsPerPage < total {
		data.Next = link(no + 1)
	}
	if r.Method == http.MethodPost {
		data.New = Account{Name: r.PostFormValue("name"), Title: r.PostFormValue("title"), Domains: strings.Fields(r.PostFormValue("domains"))}
	}
	s.render(w, r, status, "accounts", data)
}

func (s *Server) pageCreateAccount(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	a := &Account{Name: name, Title: r.PostFormValue("title"), Domains: fieldsOf(r.PostFormValue("domains"))}
	err := s.saveAccount(r.Context(), a, precondition{absent: true})
	switch {
	case errors.Is(err, ErrPreconditionFailed):
		s.renderAccounts(w, r, http.StatusConflict, "An account named "+strconv.Quote(name)+" exists already.")
	case err != nil:
		s.renderAccounts(w, r, statusOf(err, http.StatusUnprocessableEntity), sentence(err))
	default:
		redirect(w, r, "/admin/accounts/"+url.PathEscape(a.Name), "created", "")
	}
}

// fieldsOf splits a list typed with spaces, commas or one per line.
func fieldsOf(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// sentence turns a store error into text for the page.
func sentence(err error) string {
	var ve *ValidationError
	var ce *ConflictError
	switch {
	case errors.As(err, &ve):
		return fieldLabel(ve.Field) + ": " + ve.Problem
	case errors.As(err, &ce):
		if ce.Account == "" {
			return fieldLabel(ce.Field) + ": " + strconv.Quote(ce.Value) + " already belongs to another account."
		}
		return fieldLabel(ce.Field) + ": " + strconv.Quote(ce.Value) + " already belongs to the account " + strconv.Quote(ce.Account) + "."
	case errors.Is(err, ErrNotFound):
		return "It no longer exists."
	case errors.Is(err, ErrPreconditionFailed):
		return staleForm
	case errors.Is(err, dirstore.ErrUnavailable):
		return "Nothing was saved: the directory's database is unavailable (deleted or replaced while the server ran). See its log."
	}
	return "The directory could not save that; see its log."
}

// staleForm is what a form made from an older version of the account or
// provider says instead of overwriting someone else's change.
const staleForm = "Someone else changed this account while you were editing it, so nothing was saved. Reload the page to see their change, then make yours again."

// statusOf is the status of a page that shows err: 503 when the database
// is unavailable, else status.
func statusOf(err error, status int) int {
	switch {
	case errors.Is(err, dirstore.ErrUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrPreconditionFailed):
		return http.StatusConflict
	}
	return status
}

// fieldLabel names a field as the page labels it.
func fieldLabel(field string) string {
	labels := map[string]string{
		"issuer": "Discovery URL", "client_id": "Client ID", "client_secret": "Client Secret", "userinfo_method": "Method",
		"scopes": "Scopes", "auth_params": "Extra authorization parameters", "email_claim": "Email claim", "id": "Provider ID",
		"type": "Type", "name": "Name", "domains": "Email domains", "users": "Users", "title": "Title", "redirect_host": "Redirect host",
		"mode": "Mode", "email": "Sign in as", "identity_provider": "Mode",
		"line": "Phone line", "line.registrar": "Phone line registrar", "line.resource": "Phone line resource", "line.aor": "Phone line address",
	}
	if l, ok := labels[field]; ok {
		return l
	}
	base, _, _ := strings.Cut(field, "[")
	base, _, _ = strings.Cut(base, ".")
	if l, ok := labels[base]; ok {
		return l
	}
	return field
}

// redirect ends a successful POST (post/redirect/get) with a message
// chosen from a fixed list, so no typed text is reflected.
func redirect(w http.ResponseWriter, r *http.Request, to, done, anchor string) {
	q := ""
	if done != "" {
		q = "?done=" + done
	}
	if anchor != "" {
		q += "#" + anchor
	}
	http.Redirect(w, r, to+q, http.StatusSeeOther)
}

var flashes = map[string]string{
	"created":    "Account created. Add its identity providers below.",
	"saved":      "Saved.",
	"tested":     "Saved and tested. The result is shown with the provider.",
	"deleted":    "Deleted.",
	"toggled":    "Saved. Dialtone clients see the change at their next lookup.",
	"authorised": "You signed in through the provider. What came back is shown with it.",
}

func flash(r *http.Request) string { return flashes[r.URL.Query().Get("done")] }

func formatParams(m map[string]string) string {
	var lines []string
	for k, v := range m {
		lines = append(lines, k+"="+v)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func checkIcon(status string) string {
	return map[string]string{CheckOK: "✓", CheckWarn: "!", CheckFail: "✗", CheckSkipped: "–"}[status]
}

var typeNames = map[string]string{
	idp.TypeGoogle: "Google", idp.TypeOkta: "Okta", idp.TypeKeycloak: "Keycloak", idp.TypeOneLogin: "OneLogin",
	idp.TypeAzure: "Microsoft Entra ID", idp.TypeSalesforce: "Salesforce", idp.TypeOIDC: "Other OpenID Connect",
}

// typeName is how the page names a provider type.
func typeName(t string) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return t
}

package dirserver

import (
	"dialtone/internal/idp"
	"dialtone/internal/sipaddr"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// accountPage is one account: its domains, its providers as cards with
// toggles, edit forms and test results, and the form to add a provider.
type accountPage struct {
	page
	Account       *Account
	Domains       string
	Users         string
	Cards         []providerCard
	Add           providerForm
	Types         []typeOption
	DefaultScopes string
	RedirectURI   string
	// BrokerRedirectURI is the broker's redirect URI, to register for a
	// Brokered provider; "" when Brokered mode is off.
	BrokerRedirectURI string
	// Offered is what the account's agents are offered, as the lookup
	// answers: the enabled providers, or only the enforced ones.
	Offered  []string
	Enforces bool
}

type typeOption struct{ Value, Label string }

// providerCard is a provider with the values of its edit form.
type providerCard struct {
	ProviderView
	Form     providerForm
	OpenEdit bool
	// Hidden: enabled, but another provider is enforced, so agents are
	// not offered it.
	Hidden bool
}

// providerForm holds what an admin typed, to show it again with an error.
type providerForm struct {
	New                                       bool
	Mode                                      string
	AuthoriseEmail                            string
	ID, Type, Name, Issuer, ClientID          string
	SecretSet                                 bool
	SecretHint                                string
	UserinfoMethod, Scopes, AuthParams, Email string
	Enabled, Enforced, Open                   bool
	Error, ErrorField                         string
	// Version is the version the form was made from: saving it
	// replaces only that version.
	Version int64
	// BrokerOn says Brokered mode can be chosen.
	BrokerOn bool
}

func formFromView(v ProviderView) providerForm {
	return providerForm{
		ID: v.ID, Mode: v.Mode, Type: v.Type, Name: v.Name, Issuer: v.Issuer, ClientID: v.ClientID,
		SecretSet: v.ClientSecretSet, SecretHint: v.ClientSecretHint, UserinfoMethod: v.UserinfoMethod,
		Scopes: strings.Join(v.Scopes, " "), AuthParams: formatParams(v.AuthParams), Email: v.EmailClaim,
		Enabled: v.Enabled, Enforced: v.Enforced, Version: v.Version,
	}
}

func (s *Server) pageAccount(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, http.StatusOK, nil, "")
}

// renderAccount shows the account page; failed, when not nil, is a
// provider form that did not save, shown open with its error.
func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, failed *providerForm, accountErr string) {
	a, err := s.store.account(r.Context(), r.PathValue("account"))
	if errors.Is(err, ErrNotFound) {
		redirect(w, r, "/admin", "", "")
		return
	}
	if err != nil {
		s.opts.Logger.Error("directory: could not read an account", "err", err)
		http.Error(w, "could not read the account", http.StatusInternalServerError)
		return
	}
	data := &accountPage{
		page:    page{Title: a.Name, Flash: flash(r), Error: accountErr},
		Account: a, Domains: strings.Join(a.Domains, " "), Users: strings.Join(a.Users, "\n"),
		Add:           providerForm{New: true, Mode: ModeDirect, Type: idp.TypeOIDC, UserinfoMethod: "GET", Open: len(a.Providers) == 0},
		Types:         typeOptions(),
		DefaultScopes: strings.Join(idp.DefaultScopes, " "),
		RedirectURI:   redirectURI(idp.Provider{}),
	}
	if s.broker != nil {
		data.BrokerRedirectURI = s.broker.RedirectURI()
	}
	for _, v := range a.Providers {
		data.Cards = append(data.Cards, providerCard{ProviderView: v, Form: formFromView(v)})
	}
	markOffered(data)
	placeFailedForm(data, failed)
	s.render(w, r, status, "account", data)
}

// markOffered applies the lookup's enable and enforce rules to the cards.
func markOffered(data *accountPage) {
	for _, c := range data.Cards {
		data.Enforces = data.Enforces || (c.Enabled && c.Enforced)
	}
	for i := range data.Cards {
		c := &data.Cards[i]
		c.Hidden = data.Enforces && c.Enabled && !c.Enforced
		if c.Enabled && !c.Hidden {
			data.Offered = append(data.Offered, c.Name)
		}
	}
}

func placeFailedForm(data *accountPage, failed *providerForm) {
	if failed == nil {
		return
	}
	failed.Open = true
	if failed.New {
		data.Add = *failed
		return
	}
	for i := range data.Cards {
		if data.Cards[i].ID == failed.ID {
			failed.SecretSet, failed.SecretHint = data.Cards[i].Form.SecretSet, data.Cards[i].Form.SecretHint
			data.Cards[i].Form, data.Cards[i].OpenEdit = *failed, true
		}
	}
}

func typeOptions() []typeOption {
	var opts []typeOption
	for _, t := range idp.Types() {
		opts = append(opts, typeOption{Value: t, Label: typeName(t)})
	}
	return opts
}

// formVersion reads a form's hidden version; a form without one (or with
// a damaged one) can only match a version that does not exist.
func formVersion(r *http.Request) int64 {
	v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || v <= 0 {
		return -1
	}
	return v
}

func (s *Server) pageSaveAccount(w http.ResponseWriter, r *http.Request) {
	a := &Account{Name: r.PathValue("account"), Title: r.PostFormValue("title"),
		Domains: fieldsOf(r.PostFormValue("domains")), Users: fieldsOf(r.PostFormValue("users")),
		Line: &sipaddr.Config{Registrar: r.PostFormValue("line_registrar"), Resource: r.PostFormValue("line_resource")}}
	if err := s.saveAccount(r.Context(), a, precondition{version: formVersion(r)}); err != nil {
		s.renderAccount(w, r, statusOf(err, http.StatusUnprocessableEntity), nil, sentence(err))
		return
	}
	redirect(w, r, accountURL(a.Name), "saved", "")
}

func (s *Server) pageDeleteAccount(w http.ResponseWriter, r *http.Request) {
	if err := s.DeleteAccount(r.Context(), r.PathValue("account")); err != nil && !errors.Is(err, ErrNotFound) {
		s.renderAccount(w, r, statusOf(err, http.StatusInternalServerError), nil, sentence(err))
		return
	}
	redirect(w, r, "/admin", "deleted", "")
}

func accountURL(name string) string { return "/admin/accounts/" + url.PathEscape(name) }

// readProviderForm reads the provider form into what to save and what to
// show again if saving fails.
func readProviderForm(r *http.Request) (providerForm, *ProviderInput, error) {
	f := providerForm{
		New: r.PostFormValue("new") == "1", ID: strings.TrimSpace(r.PostFormValue("id")), Type: r.PostFormValue("type"),
		Mode: r.PostFormValue("mode"), AuthoriseEmail: strings.TrimSpace(r.PostFormValue("authorise_email")),
		Name: r.PostFormValue("name"), Issuer: r.PostFormValue("issuer"), ClientID: r.PostFormValue("client_id"),
		UserinfoMethod: r.PostFormValue("userinfo_method"), Scopes: r.PostFormValue("scopes"),
		AuthParams: r.PostFormValue("auth_params"), Email: r.PostFormValue("email_claim"),
		Enabled: r.PostFormValue("enabled") == "on", Enforced: r.PostFormValue("enforced") == "on",
		Version: formVersion(r),
	}
	in := &ProviderInput{
		Mode: f.Mode, Type: f.Type, Name: f.Name, Issuer: f.Issuer, ClientID: f.ClientID, UserinfoMethod: f.UserinfoMethod,
		Scopes: fieldsOf(f.Scopes), EmailClaim: f.Email, Enabled: f.Enabled, Enforced: f.Enforced,
	}
	if secret := r.PostFormValue("client_secret"); secret != "" || r.PostFormValue("clear_secret") == "on" {
		in.ClientSecret = &secret
	}
	params, err := parseParams(f.AuthParams)
	in.AuthParams = params
	return f, in, err
}

// parseParams reads "key=value" lines.
func parseParams(text string) (map[string]string, error) {
	var m map[string]string
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, &ValidationError{Field: "auth_params", Problem: "write one key=value a line (" + line + ")"}
		}
		if m == nil {
			m = map[string]string{}
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return m, nil
}

func (s *Server) pageSaveProvider(w http.ResponseWriter, r *http.Request) {
	account := r.PathValue("account")
	f, in, err := readProviderForm(r)
	if err == nil && f.New {
		if _, exists := s.store.provider(r.Context(), account, f.ID); exists == nil {
			err = &ValidationError{Field: "id", Problem: "another provider of this account has this ID"}
		}
	}
	if err == nil {
		pre := precondition{version: f.Version}
		if f.New {
			pre = precondition{absent: true}
		}
		err = s.store.putProvider(r.Context(), account, f.ID, in, pre, s.opts.Now())
	}
	if err != nil {
		f.Error, f.ErrorField = sentence(err), errorField(err)
		s.renderAccount(w, r, statusOf(err, http.StatusUnprocessableEntity), &f, "")
		return
	}
	switch r.PostFormValue("action") {
	case "test":
		s.testAndRedirect(w, r, account, f.ID)
		return
	case "authorise":
		s.authoriseAndRedirect(w, r, account, f)
		return
	}
	redirect(w, r, accountURL(account), "saved", "p-"+f.ID)
}

func errorField(err error) string {
	var ve *ValidationError
	if errors.As(err, &ve) {
		base, _, _ := strings.Cut(ve.Field, "[")
		return base
	}
	return ""
}

func (s *Server) testAndRedirect(w http.ResponseWriter, r *http.Request, account, id string) {
	if _, err := s.TestProvider(r.Context(), account, id); err != nil {
		s.renderAccount(w, r, statusOf(err, http.StatusInternalServerError), nil, sentence(err))
		return
	}
	redirect(w, r, accountURL(account), "tested", "p-"+id)
}

// authoriseAndRedirect sends the admin's browser to sign in through the
// Brokered provider; the broker brings it back to the account page with
// the report.
func (s *Server) authoriseAndRedirect(w http.ResponseWriter, r *http.Request, account string, f providerForm) {
	to, err := s.StartAuthorise(r.Context(), account, f.ID, f.AuthoriseEmail)
	if err != nil {
		f.New, f.Error, f.ErrorField = false, authoriseSentence(err), errorField(err)
		if f.ErrorField == "email" {
			f.ErrorField = "authorise_email"
		}
		s.renderAccount(w, r, statusOf(err, http.StatusUnprocessableEntity), &f, "")
		return
	}
	issuer := ""
	if row, err := s.store.provider(r.Context(), account, f.ID); err == nil {
		issuer = row.p.Issuer
	}
	s.render(w, r, http.StatusOK, "authorise", &authorisePage{page: page{Title: "Sign in", Refresh: to}, Issuer: issuer, Email: f.AuthoriseEmail})
}

// authorisePage sends the admin on to the upstream provider.
type authorisePage struct {
	page
	Issuer, Email string
}

// authoriseSentence says why "Save and authorise" could not start.
func authoriseSentence(err error) string {
	var ce *idp.ConfigError
	var ne *idp.NetworkError
	switch {
	case errors.As(err, &ce):
		return "Saved, but the sign-in could not start: " + strings.TrimPrefix(ce.Error(), "auth: ")
	case errors.As(err, &ne):
		return "Saved, but the identity provider could not be reached: " + ne.Error()
	}
	return sentence(err)
}

func (s *Server) pageAuthoriseProvider(w http.ResponseWriter, r *http.Request) {
	account := r.PathValue("account")
	row, err := s.store.provider(r.Context(), account, r.PathValue("id"))
	if err != nil {
		s.renderAccount(w, r, statusOf(err, http.StatusNotFound), nil, sentence(err))
		return
	}
	f := formFromView(row.view(s.store.brokerRedirect))
	f.AuthoriseEmail = strings.TrimSpace(r.PostFormValue("authorise_email"))
	s.authoriseAndRedirect(w, r, account, f)
}

func (s *Server) pageTestProvider(w http.ResponseWriter, r *http.Request) {
	s.testAndRedirect(w, r, r.PathValue("account"), r.PathValue("id"))
}

// pageSetFlags handles a toggle: the form sends enabled=on|off or
// enforced=on|off.
func (s *Server) pageSetFlags(w http.ResponseWriter, r *http.Request) {
	var f ProviderFlags
	for name, flag := range map[string]**bool{"enabled": &f.Enabled, "enforced": &f.Enforced} {
		if v := r.PostFormValue(name); v == "on" || v == "off" {
			on := v == "on"
			*flag = &on
		}
	}
	account, id := r.PathValue("account"), r.PathValue("id")
	if err := s.SetProviderFlags(r.Context(), account, id, f); err != nil {
		s.renderAccount(w, r, statusOf(err, http.StatusUnprocessableEntity), nil, sentence(err))
		return
	}
	redirect(w, r, accountURL(account), "toggled", "p-"+id)
}

func (s *Server) pageDeleteProvider(w http.ResponseWriter, r *http.Request) {
	account := r.PathValue("account")
	if err := s.DeleteProvider(r.Context(), account, r.PathValue("id")); err != nil && !errors.Is(err, ErrNotFound) {
		s.renderAccount(w, r, statusOf(err, http.StatusInternalServerError), nil, sentence(err))
		return
	}
	redirect(w, r, accountURL(account), "deleted", "")
}

// formCtx is what the providerForm template needs.
type formCtx struct {
	CSRF, Account, DefaultScopes, Prefix string
	Types                                []typeOption
	F                                    providerForm
}

func formFor(p *accountPage, f providerForm) formCtx {
	f.BrokerOn = p.BrokerRedirectURI != ""
	prefix := "new"
	if !f.New {
		prefix = "edit-" + f.ID
	}
	return formCtx{CSRF: p.CSRF, Account: p.Account.Name, DefaultScopes: p.DefaultScopes, Prefix: prefix, Types: p.Types, F: f}
}

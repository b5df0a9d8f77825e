package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// about is the About dialog: the version and who is signed in with which provider.
type about struct {
	version, account, provider, issuer *widget.Label
	dialog                             *dialog.CustomDialog
}

// showAbout shows About for acct over w, nearly as wide as w.
func showAbout(w fyne.Window, version string, acct account) *about {
	ab := &about{
		version:  widget.NewLabel("Version " + versionOr(version)),
		account:  widget.NewLabel(signedInAs(acct)),
		provider: widget.NewLabel(acct.provider),
		issuer:   widget.NewLabel(acct.issuer),
	}
	ab.account.Wrapping = fyne.TextWrapWord
	ab.issuer.Wrapping = fyne.TextWrapBreak
	form := widget.NewForm(
		widget.NewFormItem("Dialtone", ab.version),
		widget.NewFormItem("Signed in as", ab.account),
		widget.NewFormItem("Provider", ab.provider),
		widget.NewFormItem("Issuer", ab.issuer),
	)
	ab.dialog = dialog.NewCustom("About Dialtone", "Close", form, w)
	ab.dialog.Resize(fyne.NewSize(w.Canvas().Size().Width-32, 0))
	ab.dialog.Show()
	return ab
}

func signedInAs(acct account) string {
	if acct.Name == "" {
		return acct.Email
	}
	return acct.Name + " <" + acct.Email + ">"
}

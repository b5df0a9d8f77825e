// Package assets holds the files bundled into Dialtone: the page the
// browser shows when it returns from the identity provider, the app icon
// and the provider logos.
//
// It must never import a Dialtone package: the sign-in engine and the
// window both embed from it.
package assets

import _ "embed"

// CallbackPage is the html/template source of the page shown in the browser
// after the identity provider redirects back to Dialtone. It takes
// .Title, .Message and .OK.
//
//go:embed callback.html
var CallbackPage string

package ui

import (
	"fyne.io/fyne/v2"

	"dialtone/assets"
	"dialtone/internal/idp"
)

// Icon is Dialtone's app icon. New sets it on the app and the window; main may use it for anything else.
var Icon fyne.Resource = fyne.NewStaticResource("dialtone.png", assets.Icon)

// appIcon is the icon the screens show in their header.
var appIcon = Icon

// providerLogos are the provider marks by type, made once.
var providerLogos = map[string]fyne.Resource{}

// providerLogo returns the mark of a provider type: a coloured square with its initial, or the generic single
// sign-on mark for a type Dialtone has none for. Call it on the Fyne thread.
func providerLogo(providerType string) fyne.Resource {
	if r, ok := providerLogos[providerType]; ok {
		return r
	}
	r := fyne.NewStaticResource("logo-"+providerType+".png", assets.Logo(providerType))
	providerLogos[providerType] = r
	return r
}

// providerName is how the screens name a provider: its configured name, else its ID.
func providerName(p idp.Provider) string {
	if p.Name != "" {
		return p.Name
	}
	return p.ID
}

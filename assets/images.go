package assets

import (
	"embed"
	"path"
)

// Icon is Dialtone's app icon: a 512×512 PNG of a keypad on a blue rounded
// square. main sets it as the app's icon; fyne package uses the file.
//
//go:embed icon.png
var Icon []byte

// Tray is the app icon drawn at 64×64 for the system tray, without a
// presence mark (the ui package adds one).
//
//go:embed tray.png
var Tray []byte

//go:embed logos/*.png
var logos embed.FS

//go:embed logos/oidc.png
var genericLogo []byte

// Logo returns the 128×128 PNG mark of a provider type (auth.TypeGoogle,
// auth.TypeOkta …): a coloured rounded square with an initial, drawn for
// Dialtone rather than copied from the provider's trademarked artwork. An
// unknown type gets the generic single sign-on mark ("oidc").
func Logo(providerType string) []byte {
	if b, err := logos.ReadFile(path.Join("logos", path.Base(providerType)+".png")); err == nil {
		return b
	}
	return genericLogo
}

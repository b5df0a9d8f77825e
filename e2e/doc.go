// Package e2e holds Dialtone's end-to-end tests: the real dialtone binary
// against real parts on loopback. Two OpenID providers (zitadel/oidc's
// example in-process, npm oidc-provider under node), headless Chromium as
// the system browser (cmd/dialtone-testbrowser, driven by chromedp), the real Secret
// Service (gnome-keyring), and the desktop window under an X server.
//
// Run it as CI does, from the repository root:
//
//	.ci/with-keyring .ci/with-x go test ./e2e/ -count=1 -v
//
// Without DIALTONE_REAL_KEYRING=1 (set by .ci/with-keyring) the suite skips,
// and without DISPLAY the window tests skip; with CI=true both fail instead.
// DIALTONE_UPDATE_SCREENSHOTS=1 writes the window's screenshots to
// docs/screenshots/window-*.png. DIALTONE_E2E_BINARY runs a dialtone binary
// built elsewhere instead of building one. DIALTONE_E2E_KEEP=1 keeps the
// suite's directory (logs, config folders, screenshots), as a failure does.
//
// The wine tests (TestWine…, wine_test.go) run the Windows build instead:
// dialtone.com and dialtone.exe from DIALTONE_WINE_BIN (the folder
// .ci/windows/build prints) in private wine prefixes, with a Windows browser
// command (cmd/dialtone-winbrowser) and the Credential Manager read back by
// cmd/dialtone-winkeyring, both cross-compiled by the tests. .ci/windows/test runs
// them; by hand:
//
//	DIALTONE_WINE_BIN=$(.ci/windows/build | tail -1) .ci/with-x go test ./e2e/ -run '^TestWine' -v
//
// Without DIALTONE_WINE_BIN they skip (under CI=1 or CI=true they fail), and
// they need no Secret Service and no Chromium; .ci/test's end-to-end step
// leaves them to .ci/windows/test. Each scans its prefix for the refresh
// tokens it saw.
//
// After the tests, the suite scans everything it left in its temporary
// directory (config folders, logs of every process it started) for the
// refresh tokens it saw in the keyring and for anything shaped like a JWT,
// and the rest of the system's temporary directory for those refresh
// tokens: none may appear.
//
// Nothing may import this package, and its tests must never import the
// window (ui, Fyne) or the app's main package: they drive the built
// binaries from outside, as an agent would, and use Dialtone's other
// packages only to stand up servers and read the keyring.
package e2e

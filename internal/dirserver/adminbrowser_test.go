package dirserver

import (
	"context"
	"dialtone/auth/authtest"
	"dialtone/internal/directory"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// screenshotPath is where the browser test leaves a picture of the page
// when DIALTONE_UPDATE_SCREENSHOTS=1; otherwise the picture goes to the
// test's temporary folder, so a test run never changes the tree.
func screenshotPath(t *testing.T) string {
	if os.Getenv("DIALTONE_UPDATE_SCREENSHOTS") == "1" {
		return filepath.Join("..", "..", "..", "docs", "screenshots", "directory-admin.png")
	}
	return filepath.Join(t.TempDir(), "directory-admin.png")
}

// startChromium starts headless Chromium, or skips the test when it is
// not installed (fails instead when CI=true).
func startChromium(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is not installed (CI=true): %v", err)
		}
		t.Skipf("chromium is not installed; install Debian's chromium to run the admin page test: %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1100, 900),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	return ctx
}

// TestAdminPageInBrowser drives the admin page in headless Chromium: sign
// in, add a provider to globex and test it, enable it, enforce it, and see
// Dialtone's lookup change at each step.
func TestAdminPageInBrowser(t *testing.T) {
	ctx := startChromium(t)
	d := newTestDir(t, Options{})
	if err := d.Seed(context.Background(), SeedOptions{}); err != nil {
		t.Fatal(err)
	}
	op := fakeOP(t, nil, "")
	client := &directory.Client{URL: d.URL}
	lookup := func(want ...string) {
		t.Helper()
		list, err := client.Lookup(context.Background(), "agent@globex.test")
		if err != nil {
			t.Fatalf("Lookup: %v", err)
		}
		if got := idsOf(list); !slices.Equal(got, want) {
			t.Fatalf("the client sees %v, want %v", got, want)
		}
	}

	do(t, ctx, "sign in",
		chromedp.Navigate(d.URL+"/admin"),
		chromedp.SendKeys(chromedp.ID("token"), testToken),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS("table.list")),
	)
	do(t, ctx, "add and test a provider",
		chromedp.Navigate(d.URL+"/admin/accounts/globex"),
		chromedp.Click(chromedp.CSS("#add summary")),
		chromedp.SendKeys(chromedp.ID("new-id"), "globex-okta"),
		chromedp.SetValue(chromedp.ID("new-type"), "okta"),
		chromedp.SendKeys(chromedp.ID("new-name"), "Globex Okta"),
		chromedp.SendKeys(chromedp.ID("new-issuer"), op.URL+"/.well-known/openid-configuration"),
		chromedp.SendKeys(chromedp.ID("new-client-id"), "0oa-globex-desktop"),
		chromedp.Click(chromedp.ID("new-save-test")),
		chromedp.WaitVisible(chromedp.CSS("#test-result-globex-okta h4.pass")),
	)
	lookup("globex-sso", "globex-contractors")

	do(t, ctx, "enable it",
		chromedp.Click(chromedp.ID("enable-globex-okta")),
		chromedp.WaitVisible(chromedp.CSS(`#enable-globex-okta[aria-checked="true"]`)),
	)
	lookup("globex-sso", "globex-contractors", "globex-okta")

	do(t, ctx, "enforce it",
		chromedp.Click(chromedp.ID("enforce-globex-okta")),
		chromedp.WaitVisible(chromedp.CSS(`#enforce-globex-okta[aria-checked="true"]`)),
	)
	lookup("globex-okta")

	// Open the add form too, so the picture shows every field.
	do(t, ctx, "open the add form", chromedp.Click(chromedp.CSS("#add summary")), chromedp.WaitVisible(chromedp.ID("new-issuer")))
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(screenshotPath(t), shot, 0o644); err != nil {
		t.Fatalf("could not save the screenshot: %v", err)
	}
}

func do(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// TestBrokeredProviderInBrowser drives "Save and authorise" in headless
// Chromium: the admin adds a Brokered provider with its web app's secret,
// signs in through it in the same browser, comes back to the report, and
// enables it.
func TestBrokeredProviderInBrowser(t *testing.T) {
	ctx := startChromium(t)
	op := authtest.NewFakeOP(t)
	op.Secret = upstreamSecret
	op.Email = "admin@globex.test"
	d := newBrokerDir(t, filepath.Join(t.TempDir(), "directory.db"), Options{})
	if err := d.Seed(context.Background(), SeedOptions{}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "sign in",
		chromedp.Navigate(d.URL+"/admin"),
		chromedp.SendKeys(chromedp.ID("token"), testToken),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS("table.list")),
	)
	do(t, ctx, "add a Brokered provider, save and authorise",
		chromedp.Navigate(d.URL+"/admin/accounts/globex"),
		chromedp.Click(chromedp.CSS("#add summary")),
		chromedp.SendKeys(chromedp.ID("new-id"), "globex-okta"),
		chromedp.SetValue(chromedp.ID("new-mode"), "brokered"),
		chromedp.SendKeys(chromedp.ID("new-name"), "Globex Okta"),
		chromedp.SendKeys(chromedp.ID("new-issuer"), op.Issuer),
		chromedp.SendKeys(chromedp.ID("new-client-id"), op.ClientID),
		chromedp.SendKeys(chromedp.ID("new-secret"), upstreamSecret),
		chromedp.SendKeys(chromedp.ID("new-authorise-email"), "admin@globex.test"),
		chromedp.Click(chromedp.ID("new-save-authorise")),
		chromedp.WaitVisible(chromedp.CSS("#authorise-result-globex-okta h4.pass")),
	)
	do(t, ctx, "enable it",
		chromedp.Click(chromedp.ID("enable-globex-okta")),
		chromedp.WaitVisible(chromedp.CSS(`#enable-globex-okta[aria-checked="true"]`)),
	)
	list, err := (&directory.Client{URL: d.URL}).Lookup(context.Background(), "agent@globex.test")
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := list.Find("globex-okta"); !ok || p.Issuer != d.URL+"/broker" || p.ClientSecret != "" {
		t.Fatalf("the agents' list has %+v", p)
	}
	page, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page, upstreamSecret) {
		t.Error("the page shows the client secret")
	}
	// Open the add form too, so the picture shows the Mode and Save and authorise.
	do(t, ctx, "open the add form", chromedp.Click(chromedp.CSS("#add summary")), chromedp.WaitVisible(chromedp.ID("new-mode")))
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(t.TempDir(), "directory-admin-brokered.png")
	if os.Getenv("DIALTONE_UPDATE_SCREENSHOTS") == "1" {
		path = filepath.Join("..", "..", "docs", "screenshots", "directory-admin-brokered.png")
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatalf("could not save the screenshot: %v", err)
	}
}

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kitei/internal/testshared"
)

// TestTour signs in as the first administrator and opens the main pages in
// Chromium: each must answer 200, render its main content and carry no
// inline script or style (the CSP would block them). With
// KITEI_SCREENSHOTS=DIR it also saves a full-page PNG of each, for people
// reviewing the look of the product.
func TestTour(t *testing.T) {
	seeds := testshared.Seeds(t)
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "kitei.db")
	kitei(t, "catalog", "import", filepath.Join(seeds, "000_666dad1990f509b5.txt"), "--name", "NIES", "--db", dsn)
	kitei(t, "catalog", "import", filepath.Join(seeds, "002_ea0d584469b154be.txt"), "--name", "統一基準", "--db", dsn)
	base, stdout := server(t, dsn)
	ctx := browser(t)
	signIn(t, ctx, base, stdout)
	shots := os.Getenv("KITEI_SCREENSHOTS")

	pages := []string{
		"/", "/catalogs", "/catalogs/1", "/catalogs/1/nodes/2.2.2(1)(a)", "/search?q=%E4%BE%8B%E5%A4%96%E6%8E%AA%E7%BD%AE",
		"/org", "/org/people", "/org/roles", "/org/import",
		"/account", "/admin/users", "/admin/policy", "/audit",
		"/?lang=en", "/catalogs/1?lang=en",
	}
	for _, p := range pages {
		resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(base+p))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if resp.Status != 200 {
			t.Errorf("%s: status %d", p, resp.Status)
			continue
		}
		main := eval[string](t, ctx, `(document.querySelector("main") || {innerText: ""}).innerText`)
		if strings.TrimSpace(main) == "" {
			t.Errorf("%s: empty main content", p)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("script:not([src]), [style], [onclick], [onload]").length`); n != 0 {
			t.Errorf("%s: %d inline scripts or styles", p, n)
		}
		if shots != "" {
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			name := strings.NewReplacer("/", "_", "?", "_", "=", "_", "&", "_", "%", "").Replace(strings.TrimPrefix(p, "/"))
			if name == "" {
				name = "home"
			}
			os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
		}
	}
}

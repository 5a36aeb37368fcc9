package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// do runs browser steps and fails the test on error.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// TestCatalogInBrowser: the tree of seed 002 opens and folds, and searching
// 例外措置 finds the exception items of 002, 000 and 001 with the hits marked.
func TestCatalogInBrowser(t *testing.T) {
	seeds := seedsDir(t)
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "kitei.db")
	for name, file := range map[string]string{
		"統一基準":   "002_ea0d584469b154be.txt",
		"NIES":   "000_666dad1990f509b5.txt",
		"JICA細則": "001_a03fd608d9865302.txt",
	} {
		kitei(t, "catalog", "import", filepath.Join(seeds, file), "--name", name, "--db", dsn)
	}
	base, out := server(t, dsn)
	ctx := browser(t)
	signIn(t, ctx, base, out)

	do(t, ctx, chromedp.Navigate(base+"/catalogs"))
	href := eval[string](t, ctx, `Array.from(document.querySelectorAll("table.list a")).find(a => a.textContent === "統一基準").getAttribute("href")`)
	do(t, ctx, chromedp.Navigate(base+href), chromedp.WaitVisible(chromedp.ID("tree")))
	const countOpen = `document.querySelectorAll("#tree details[open]").length`
	total := eval[int](t, ctx, `document.querySelectorAll("#tree details").length`)
	openBefore := eval[int](t, ctx, countOpen)
	do(t, ctx, chromedp.Click(chromedp.CSS(`#tree details:not([open]) > summary`)))
	openAfterClick := eval[int](t, ctx, countOpen)
	do(t, ctx, chromedp.Click(chromedp.CSS(`button[data-tree="close"]`)))
	openAfterCollapse := eval[int](t, ctx, countOpen)
	do(t, ctx, chromedp.Click(chromedp.CSS(`button[data-tree="open"]`)))
	openAfterExpand := eval[int](t, ctx, countOpen)
	if total < 50 || openAfterClick != openBefore+1 || openAfterCollapse != 0 || openAfterExpand != total {
		t.Fatalf("tree: %d sections, open %d → click %d → collapse %d → expand %d",
			total, openBefore, openAfterClick, openAfterCollapse, openAfterExpand)
	}

	do(t, ctx,
		chromedp.Navigate(base+"/search"),
		chromedp.SendKeys(chromedp.CSS(`input[name=q]`), "例外措置"),
		chromedp.Submit(chromedp.CSS(`input[name=q]`)),
		chromedp.WaitVisible(chromedp.CSS(`ol.hits`)),
	)
	marks := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("ol.hits mark")).map(m => m.textContent)`)
	tags := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("ol.hits .hit-head .tag")).map(m => m.textContent)`)
	if len(marks) == 0 {
		t.Fatal("no highlighted hits")
	}
	for _, m := range marks {
		if m != "例外措置" {
			t.Fatalf("highlight %q is not the query", m)
		}
	}
	found := strings.Join(tags, ",")
	for _, name := range []string{"統一基準", "NIES", "JICA細則"} {
		if !strings.Contains(found, name) {
			t.Errorf("search 例外措置 found nothing in %s (hits in: %s)", name, found)
		}
	}
}

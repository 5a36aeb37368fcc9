package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"kitei/internal/testshared"
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

// TestCatalogInBrowser: the tree of seed 002 shows its top level and small
// sections folded; a large section is fetched and put in place when opened
// (and is a plain link to the page with it opened when scripts are off);
// searching 例外措置 finds the exception items of 002, 000 and 001 with the
// hits marked.
func TestCatalogInBrowser(t *testing.T) {
	seeds := testshared.Seeds(t)
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
	const (
		countOpen = `document.querySelectorAll("#tree details[open]").length`
		countAll  = `document.querySelectorAll("#tree details").length`
		countLazy = `document.querySelectorAll("#tree .lazy").length`
		nodes     = `document.querySelectorAll("#tree .ref").length`
	)
	lazy, shown := eval[int](t, ctx, countLazy), eval[int](t, ctx, nodes)
	if lazy < 3 || shown > 300 {
		t.Fatalf("tree: %d sections to load, %d nodes on the first page", lazy, shown)
	}
	// With scripts: the section comes in place, opened, without leaving the page.
	anchor := eval[string](t, ctx, `document.querySelector("#tree .lazy a.open").getAttribute("data-open")`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`#tree .lazy a.open`)))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`!!document.querySelector('#tree details[open][id=%q]')`, anchor),
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("section %s not loaded in place: %v", anchor, err)
	}
	if q := eval[string](t, ctx, `location.search`); q != "" {
		t.Errorf("loading a section left the page for %q", q)
	}
	if n := eval[int](t, ctx, nodes); n <= shown {
		t.Errorf("%d nodes after opening a section, %d before", n, shown)
	}
	total := eval[int](t, ctx, countAll)
	do(t, ctx, chromedp.Click(chromedp.CSS(`button[data-tree="close"]`)))
	openAfterCollapse := eval[int](t, ctx, countOpen)
	do(t, ctx, chromedp.Click(chromedp.CSS(`button[data-tree="open"]`)))
	openAfterExpand := eval[int](t, ctx, countOpen)
	if openAfterCollapse != 0 || openAfterExpand != total {
		t.Fatalf("tree: %d sections loaded, collapse → %d open, expand → %d", total, openAfterCollapse, openAfterExpand)
	}
	// Without scripts: the same section is a link to the page with it opened.
	do(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	do(t, ctx, chromedp.Navigate(base+href), chromedp.WaitVisible(chromedp.ID("tree")),
		chromedp.Click(chromedp.CSS(`#tree .lazy a.open`)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#tree details[open][id=%q] .kids`, anchor))))
	if q := eval[string](t, ctx, `location.search`); !strings.Contains(q, "open=") {
		t.Errorf("without scripts the section opened at %q", q)
	}
	do(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false})
		return err
	}))

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

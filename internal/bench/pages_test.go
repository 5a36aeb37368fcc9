package bench

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"kitei/internal/store/storetest"
)

// mainListPages must be found in the route table and answer 200 for the
// readers named (so the test fails when the enumeration or a fill of a
// wildcard breaks).
var mainListPages = map[string][]string{
	"GET /{$}":                                      {"staff", "officer", "bu", "chief", "admin"},
	"GET /org/people":                               {"officer", "bu", "chief", "admin"},
	"GET /audit":                                    {"chief", "admin"},
	"GET /requests":                                 {"staff", "officer"},
	"GET /requests/ledger":                          {"officer", "bu", "chief"},
	"GET /register/systems":                         {"officer", "bu", "chief"},
	"GET /register/assets":                          {"officer", "bu", "chief"},
	"GET /selfcheck/campaigns/{id}":                 {"officer", "bu", "chief"},
	"GET /policies/{id}/acks":                       {"officer", "bu", "chief"},
	"GET /training/results":                         {"chief"},
	"GET /training/follow":                          {"officer", "chief"},
	"GET /incidents/ledger":                         {"chief"},
	"GET /risks":                                    {"chief"},
	"GET /actions":                                  {"staff", "chief"},
	"GET /inventory/{kind}":                         {"chief"},
	"GET /audits":                                   {"chief"},
	"GET /admin/users":                              {"admin"},
	"GET /api/v1/people":                            {"chief"},
	"GET /api/v1/requests":                          {"staff"},
	"GET /api/v1/policies/{id}/acks":                {"chief"},
	"GET /api/v1/selfcheck/campaigns/{id}/progress": {"chief"},
}

// A small run of `kitei bench pages` on every engine: the fill makes a
// year of records at 500 people, every page the route table lists is
// loaded as each reader holding its permission, none answers an error,
// the main list pages are among them and answer 200, and at least one
// list is followed to its next page. (Timings are measured by hand, never
// asserted here.)
func TestPagesBenchSmall(t *testing.T) {
	for engine, dsn := range storetest.DSNs(t) {
		t.Run(engine, func(t *testing.T) {
			res, err := RunPages(context.Background(), PagesOptions{DSN: dsn, People: 500, Runs: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Rows {
				if r.Error != "" && !r.Refused {
					t.Errorf("%s as %s: %s", r.Path, r.Reader, r.Error)
				}
			}
			if res.ErrorCount != 0 {
				t.Errorf("%d errors", res.ErrorCount)
			}
			for _, s := range res.Skipped {
				if !needsSession(strings.TrimPrefix(s.Route, "GET ")) {
					t.Errorf("skipped %s: %s", s.Route, s.Reason)
				}
			}
			ok := map[string]map[string]bool{}
			next := 0
			for _, r := range res.Rows {
				if r.Status == http.StatusOK && !r.Next {
					if ok[r.Route] == nil {
						ok[r.Route] = map[string]bool{}
					}
					ok[r.Route][r.Reader] = true
				}
				if r.Next && r.Status == http.StatusOK {
					next++
				}
			}
			for route, readers := range mainListPages {
				for _, reader := range readers {
					if !ok[route][reader] {
						t.Errorf("%s as %s: not timed with 200", route, reader)
					}
				}
			}
			if next == 0 {
				t.Errorf("no list was followed to its next page")
			}
			if res.Counts["audit_events"] < 1000 || res.Counts["requests"] == 0 || res.Counts["policy_acks"] < 400 {
				t.Errorf("fill: %+v", res.Counts)
			}
			t.Logf("%s: %d loads of %d routes, %d over, fill %.1f s", engine, len(res.Rows), len(res.Routes), res.OverCount, res.FillSeconds)
		})
	}
}

// The route enumeration keeps pages and API lists and leaves out
// downloads, public routes and single records of the API.
func TestPageRoutesFilter(t *testing.T) {
	for path, want := range map[string]bool{
		"/audit.csv": true, "/requests/ledger.xlsx": true, "/yearly/{fy}/report.pdf": true, "/policies/{id}/export": true,
		"/actions/{id}/evidence/{file}": true, "/training/images/{id}": true, "/api/v1/openapi.json": true,
		"/register/export/{kind}": true, "/audit": false, "/requests/{id}": false, "/inventory/{kind}": false,
	} {
		if got := download(path); got != want {
			t.Errorf("download(%q) = %v, want %v", path, got, want)
		}
	}
}

// The next page is found in a page's rel="next" link, an API answer's Link
// header, its X-Next-Cursor or a "next" field of its body.
func TestNextLink(t *testing.T) {
	page := []byte(`<nav class="pager"><a href="/audit" rel="first">最初</a> <a href="/audit?after=abc&amp;limit=50#list" rel="next">次へ</a></nav>`)
	if got := nextLink("/audit", http.Header{"Content-Type": {"text/html"}}, page); got != "/audit?after=abc&limit=50" {
		t.Errorf("page: %q", got)
	}
	if got := nextLink("/audit", http.Header{"Content-Type": {"text/html"}}, []byte(`<a href="/x">x</a>`)); got != "" {
		t.Errorf("no next: %q", got)
	}
	h := http.Header{"Link": {`</api/v1/people?after=xyz>; rel="next"`}}
	if got := nextLink("/api/v1/people", h, nil); got != "/api/v1/people?after=xyz" {
		t.Errorf("Link: %q", got)
	}
	h = http.Header{"X-Next-Cursor": {"c1"}}
	if got := nextLink("/api/v1/people?limit=5", h, nil); got != "/api/v1/people?limit=5&after=c1" {
		t.Errorf("X-Next-Cursor: %q", got)
	}
	h = http.Header{"Content-Type": {"application/json"}}
	if got := nextLink("/api/v1/risks", h, []byte(`{"items":[],"next":"n2"}`)); got != "/api/v1/risks?after=n2" {
		t.Errorf("body: %q", got)
	}
}

// The table marks a page over the target, an error and a refusal, and the
// result fails on the first two only.
func TestPrintPagesMarks(t *testing.T) {
	res := &PagesResult{Engine: "sqlite", People: 10, Runs: 1, TargetMs: PageTargetMs, TargetBytes: PageTargetBytes,
		Counts: map[string]int{}, Rows: []PageRow{
			{Reader: "chief", Route: "GET /slow", Path: "/slow", Status: 200, Bytes: 1000, P50ms: 151, Over: true},
			{Reader: "chief", Route: "GET /big", Path: "/big", Status: 200, Bytes: PageTargetBytes + 1, P50ms: 1, Over: true},
			{Reader: "staff", Route: "GET /fine", Path: "/fine", Status: 200, Bytes: 1000, P50ms: 3},
			{Reader: "staff", Route: "GET /ledger", Path: "/ledger", Status: 403, Refused: true, Error: "403 deciders only"},
		}}
	res.count()
	var b bytes.Buffer
	PrintPages(&b, res)
	out := b.String()
	for _, want := range []string{"▲  /slow", "▲  /big", "   /fine", "·  /ledger", "refused 403"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if !res.Failed() || res.OverCount != 2 || res.ErrorCount != 0 {
		t.Errorf("two pages over the target: failed %v, over %d, errors %d", res.Failed(), res.OverCount, res.ErrorCount)
	}
	fine := &PagesResult{Rows: res.Rows[2:]}
	if fine.count(); fine.Failed() {
		t.Error("a refusal fails the run")
	}
	broken := &PagesResult{Rows: append(slices.Clone(res.Rows[2:]), PageRow{Reader: "admin", Route: "GET /x", Path: "/x", Status: 500, Error: "500 boom"})}
	if broken.count(); !broken.Failed() || broken.ErrorCount != 1 {
		t.Errorf("an error: failed %v, errors %d", broken.Failed(), broken.ErrorCount)
	}
}

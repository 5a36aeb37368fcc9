package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"kitei/internal/app"
	"kitei/internal/authz"
	"kitei/internal/web"
)

// The targets of issue #20: every list page at 20,000 people loads in
// under 150 ms (p50) and weighs under 200 KB.
const (
	PageTargetMs    = 150.0
	PageTargetBytes = 200 << 10
)

// slowPage ends the repeated loads of one page early.
const slowPage = 5 * time.Second

// PagesOptions configure `kitei bench pages`.
type PagesOptions struct {
	DSN    string // "" : a fresh SQLite file in a temporary folder
	People int    // default 20,000
	Runs   int    // timed loads of each page (default 5)
	Year   YearOptions
	Log    io.Writer
	// Only, when set, times only the routes whose pattern contains it.
	Only string
}

// PageRow is one page as one reader: its size and load times, whether it
// is over the targets, and what went wrong when it did not answer 200.
type PageRow struct {
	Reader string  `json:"reader"`
	Route  string  `json:"route"` // the route pattern, e.g. "GET /requests/{id}"
	Path   string  `json:"path"`  // the URL loaded
	API    bool    `json:"api"`
	Next   bool    `json:"next"` // the page after the first, reached by its "next" link
	Status int     `json:"status"`
	Loads  int     `json:"loads"` // fewer than the runs when a page took over 5 s in all
	Bytes  int     `json:"bytes"`
	P50ms  float64 `json:"p50_ms"`
	MaxMs  float64 `json:"max_ms"`
	Over   bool    `json:"over"` // p50 over 150 ms or size over 200 KB
	// Refused is a 403, 404 or 409 the page's own rules give this reader
	// (a record outside their scope, a list for deciders only): listed,
	// not counted as an error.
	Refused bool `json:"refused,omitempty"`
	// Redirect is where a 3xx sent the reader (the target is timed as its
	// own route).
	Redirect string `json:"redirect,omitempty"`
	Error    string `json:"error,omitempty"`
}

// Skipped is a page route the benchmark could not point at a record.
type Skipped struct {
	Route  string `json:"route"`
	Reason string `json:"reason"`
}

// PagesResult is the whole run.
type PagesResult struct {
	Engine      string             `json:"engine"`
	People      int                `json:"people"`
	Runs        int                `json:"runs"`
	FillSeconds float64            `json:"fill_seconds"`
	FillSteps   map[string]float64 `json:"fill_steps"`
	Counts      map[string]int     `json:"counts"`
	TimeSeconds float64            `json:"time_seconds"`
	TargetMs    float64            `json:"target_p50_ms"`
	TargetBytes int                `json:"target_bytes"`
	Routes      []string           `json:"routes"` // every route pattern timed
	Rows        []PageRow          `json:"rows"`
	Skipped     []Skipped          `json:"skipped,omitempty"`
	OverCount   int                `json:"over"`
	ErrorCount  int                `json:"errors"`
}

// Failed reports whether a page was over the targets or answered an error.
func (r *PagesResult) Failed() bool { return r.OverCount > 0 || r.ErrorCount > 0 }

// count sets OverCount and ErrorCount from the rows: a refusal by a page's
// own rules is neither.
func (r *PagesResult) count() {
	r.OverCount, r.ErrorCount = 0, 0
	for _, x := range r.Rows {
		if x.Error != "" && !x.Refused {
			r.ErrorCount++
		} else if x.Over {
			r.OverCount++
		}
	}
}

// Readers, in the order the table lists them.
var pageReaders = []string{"staff", "officer", "bu", "chief", "admin"}

// readerNames are shown under the table.
var readerNames = map[string]string{
	"staff":   "a staff member (業務従事者)",
	"officer": "the 課室情報セキュリティ責任者 of their 課",
	"bu":      "the 情報セキュリティ責任者 of their 部 (ten 課)",
	"chief":   "the 統括情報セキュリティ責任者, also CISO (everyone)",
	"admin":   "a kitei administrator (user.admin)",
}

// PageRoute is a GET route of the live route table the benchmark times.
type PageRoute struct {
	Pattern string // "GET /requests/{id}"
	Path    string // "/requests/{id}"
	Perm    authz.Permission
	API     bool
}

// PageRoutes lists the routes to time from the server's route table:
// every GET page that is not public, a download or an export, and every
// GET API route that answers a list or a record's part (not one record by
// its id). A new list page is timed without a change here.
func PageRoutes(srv *web.Server) []PageRoute {
	var out []PageRoute
	for pattern, perm := range srv.Routes() {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok || method != http.MethodGet || perm == authz.Public {
			continue
		}
		if download(path) {
			continue
		}
		api := strings.HasPrefix(path, "/api/")
		if api {
			last := path[strings.LastIndex(path, "/")+1:]
			if last == "{id}" || last == "{n}" || last == "{file}" || strings.HasSuffix(last, "...}") {
				continue // one record: not a list
			}
		}
		out = append(out, PageRoute{Pattern: pattern, Path: path, Perm: perm, API: api})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].API != out[j].API {
			return !out[i].API
		}
		return out[i].Path < out[j].Path
	})
	return out
}

// download reports whether a route answers a file rather than a page.
func download(path string) bool {
	for _, suffix := range []string{".xlsx", ".csv", ".pdf", ".json", "/export", "/oscal", "/poam"} {
		if strings.HasSuffix(path, suffix) {
			return true
		}
	}
	for _, part := range []string{"/export/", "/evidence/", "/images/", "/static/"} {
		if strings.Contains(path, part) {
			return true
		}
	}
	return false
}

// pageQuery is the query some pages need to show anything (the form's
// origin, the section edited, the versions compared).
var pageQuery = map[string]func(y *Year) string{
	"/policies/new":                 func(y *Year) string { return fmt.Sprintf("origin=derived&catalog=%d", y.CatalogID) },
	"/policies/{id}/edit":           func(*Year) string { return "ref=1.1" },
	"/policies/{id}/diff":           func(*Year) string { return "old=parent&new=1" },
	"/api/v1/policies/{id}/diff":    func(*Year) string { return "old=parent&new=1" },
	"/requests/new":                 func(*Year) string { return "type=take_out" },
	"/search":                       func(*Year) string { return "q=" + url.QueryEscape("点検") },
	"/api/v1/search":                func(*Year) string { return "q=" + url.QueryEscape("点検") },
	"/crosswalk/diff":               pair("old", "new"),
	"/api/v1/crosswalk/diff":        pair("old", "new"),
	"/crosswalk/gaps":               pair("parent", "child"),
	"/api/v1/crosswalk/gaps":        pair("parent", "child"),
	"/crosswalk/review":             pair("from", "to"),
	"/api/v1/crosswalk/links":       pair("from", "to"),
	"/api/v1/crosswalk/suggestions": pair("from", "to"),
}

// pair names the generated catalog and the procedure imported beside it
// on the two sides of a crosswalk page.
func pair(a, b string) func(y *Year) string {
	return func(y *Year) string { return fmt.Sprintf("%s=%d&%s=%d", a, y.CatalogID, b, y.Catalog2) }
}

// needsSession are routes that read the signed-in session itself (not
// only the principal the benchmark puts on the request): not timed.
func needsSession(path string) bool {
	return path == "/account" || strings.HasPrefix(path, "/account/") || path == "/api/v1/me"
}

// fillPath puts the fill's records into a route's wildcards for reader
// (the person's own record where a page shows only one's own). It returns
// the URLs to load (one per inventory kind for {kind}) or why it cannot.
func fillPath(y *Year, reader string, path string) ([]string, string) {
	segs := strings.Split(strings.TrimPrefix(path, "/api/v1"), "/")
	var kinds []string
	for i, s := range segs {
		if s == "{kind}" {
			kinds = []string{"device", "medium", "area"}
			_ = i
		}
	}
	if kinds == nil {
		kinds = []string{""}
	}
	var out []string
	for _, kind := range kinds {
		var b strings.Builder
		if strings.HasPrefix(path, "/api/v1") {
			b.WriteString("/api/v1")
		}
		for i, s := range segs {
			if i == 0 {
				continue
			}
			b.WriteByte('/')
			if !strings.HasPrefix(s, "{") {
				b.WriteString(s)
				continue
			}
			prev, prev2 := "", ""
			if i >= 1 {
				prev = segs[i-1]
			}
			if i >= 2 {
				prev2 = segs[i-2]
			}
			v, why := wildcard(y, reader, s, prev, prev2, kind)
			if why != "" {
				return nil, why
			}
			b.WriteString(v)
		}
		u := b.String()
		if q, ok := pageQuery[path]; ok {
			u += "?" + q(y)
		}
		out = append(out, u)
	}
	return out, ""
}

func first(ids []int64) string {
	if len(ids) == 0 {
		return ""
	}
	return strconv.FormatInt(ids[0], 10)
}

func id(v int64) string { return strconv.FormatInt(v, 10) }

// wildcard is the value of wildcard w after the segments prev2/prev.
func wildcard(y *Year, reader, w, prev, prev2, kind string) (string, string) {
	v := ""
	switch w {
	case "{$}":
		return "", ""
	case "{kind}":
		v = kind
	case "{fy}":
		v = strconv.Itoa(y.FiscalYear)
	case "{n}":
		v = "1"
	case "{key}":
		v = authz.RoleDivisionISO
	case "{ref...}":
		v = y.catalogNode()
	case "{finding}":
		v = id(y.Finding)
	case "{id}":
		switch prev {
		case "actions":
			v = id(y.StaffAction)
		case "users":
			v = id(y.UserID)
		case "engagements":
			v = id(y.Engagement)
		case "plans":
			switch prev2 {
			case "audits":
				v = id(y.AuditPlan)
			case "training":
				v = id(y.TrainingPlan)
			}
		case "catalogs":
			v = id(y.CatalogID)
		case "people":
			v = id(y.Staff)
		case "incidents":
			v = id(y.StaffIncident)
		case "policies":
			v = id(y.PolicyID)
		case "assets":
			v = first(y.Assets)
		case "services":
			v = first(y.Services)
		case "systems":
			v = first(y.Systems)
		case "requests":
			v = id(y.StaffRequest)
		case "campaigns":
			switch prev2 {
			case "risks":
				v = id(y.RiskCampaign)
			case "selfcheck":
				v = id(y.Fixture.CampaignID)
			}
		case "risks":
			v = first(y.Risks)
		case "attempts":
			if a := y.Attempts[y.Readers[reader]]; a != 0 {
				v = id(a)
			}
		case "courses":
			v = id(y.CourseID)
		case "units":
			v = id(y.StaffUnit)
		default:
			if prev == "{kind}" {
				switch kind {
				case "device":
					v = first(y.Devices)
				case "medium":
					v = first(y.Media)
				case "area":
					v = first(y.Areas)
				}
			}
		}
	}
	if v == "" || v == "0" {
		return "", fmt.Sprintf("no record for %s after /%s", w, prev)
	}
	return v, ""
}

// nextLink finds where the next page is: the Link header (rel="next") or
// X-Next-Cursor of an API answer, a "next" field of its JSON body, or the
// first rel="next" link of a page.
var (
	relNext    = regexp.MustCompile(`<a\s[^>]*rel="next"[^>]*>`)
	hrefAttr   = regexp.MustCompile(`href="([^"]*)"`)
	linkHeader = regexp.MustCompile(`<([^>]+)>\s*;\s*rel="next"`)
)

func nextLink(path string, h http.Header, body []byte) string {
	for _, l := range h.Values("Link") {
		if m := linkHeader.FindStringSubmatch(l); m != nil {
			return m[1]
		}
	}
	if c := h.Get("X-Next-Cursor"); c != "" {
		return withAfter(path, c)
	}
	if strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) == nil {
			var c string
			if raw, ok := obj["next"]; ok && json.Unmarshal(raw, &c) == nil && c != "" {
				return withAfter(path, c)
			}
		}
		return ""
	}
	if a := relNext.Find(body); a != nil {
		if m := hrefAttr.FindSubmatch(a); m != nil {
			u := html.UnescapeString(string(m[1]))
			if i := strings.IndexByte(u, '#'); i >= 0 {
				u = u[:i]
			}
			if strings.HasPrefix(u, "?") {
				base, _, _ := strings.Cut(path, "?")
				u = base + u
			}
			return u
		}
	}
	return ""
}

func withAfter(path, cursor string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "after=" + cursor
}

// RunPages fills a store with a year of data at People (FillYear), then
// loads every page of the route table as each reader who may see it, Runs
// times, over the real web stack (httptest, the principal put on the
// request as sign-in would), and follows each list's "next" link once.
func RunPages(ctx context.Context, o PagesOptions) (*PagesResult, error) {
	if o.People <= 0 {
		o.People = 20000
	}
	if o.Runs <= 0 {
		o.Runs = 5
	}
	logf := progress(o.Log)
	_, db, a, closeBench, err := openBench(ctx, o.DSN)
	if err != nil {
		return nil, err
	}
	defer closeBench()
	res := &PagesResult{Engine: string(db.Dialect), People: o.People, Runs: o.Runs, TargetMs: PageTargetMs, TargetBytes: PageTargetBytes}
	logf("filling a year at %d people on %s …", o.People, db.Dialect)
	t0 := time.Now()
	yo := o.Year
	yo.People, yo.Log = o.People, o.Log
	y, err := FillYear(ctx, db, a, yo)
	if err != nil {
		return nil, err
	}
	res.FillSeconds, res.FillSteps, res.Counts = time.Since(t0).Seconds(), y.Seconds, y.Counts
	logf("filled in %.1f s: %d audit events", res.FillSeconds, y.Counts["audit_events"])

	// Sign-in stays configured (the administrator's pages need it); a
	// request without a session cookie keeps the principal put on it.
	srv, err := web.New(a.WebDeps(app.WebOptions{Version: "bench"}))
	if err != nil {
		return nil, err
	}
	h := srv.Handler()
	readers := map[string]*authz.Principal{}
	for _, name := range pageReaders {
		pid := y.Readers[name]
		path, grants, _, err := a.Org.Grants(ctx, pid, time.Now())
		if err != nil {
			return nil, err
		}
		p := &authz.Principal{PersonID: pid, Login: "bench-" + name, UnitPath: path, Grants: grants}
		for _, g := range grants {
			p.Privileged = p.Privileged || g.Privileged
		}
		if name == "admin" {
			p.UserID = y.AdminUserID
		}
		readers[name] = p
	}
	load := func(p *authz.Principal, path string) (time.Duration, *httptest.ResponseRecorder) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req = req.WithContext(authz.WithPrincipal(req.Context(), p))
		rec := httptest.NewRecorder()
		t := time.Now()
		h.ServeHTTP(rec, req)
		return time.Since(t), rec
	}
	timeIt := func(row PageRow, p *authz.Principal) (PageRow, string) {
		var ds []time.Duration
		var last *httptest.ResponseRecorder
		var spent time.Duration
		for i := 0; i < o.Runs; i++ {
			d, rec := load(p, row.Path)
			ds, last, spent = append(ds, d), rec, spent+d
			if rec.Code != http.StatusOK || spent > slowPage {
				break // a page that slow is over the target however often it is loaded
			}
		}
		row.Loads = len(ds)
		row.Status, row.Bytes = last.Code, last.Body.Len()
		row.P50ms = percentile(ds, 0.5)
		for _, d := range ds {
			row.MaxMs = max(row.MaxMs, float64(d.Microseconds())/1000)
		}
		if row.Status != http.StatusOK {
			msg := strings.TrimSpace(last.Body.String())
			if i := strings.Index(msg, "<main"); i >= 0 {
				msg = msg[i:]
			}
			msg = stripTags(msg)
			if i := strings.Index(msg, "。"); i >= 0 {
				msg = msg[:i+len("。")]
			}
			if i := strings.Index(msg, "  "); i >= 0 {
				msg = msg[:i] // the page's heading and foot after the message
			}
			msg = fmt.Sprintf("%d %s", row.Status, short(msg, 100))
			switch {
			case row.Status >= 300 && row.Status < 400:
				row.Redirect = last.Header().Get("Location")
			case row.Status == http.StatusForbidden || row.Status == http.StatusNotFound || row.Status == http.StatusConflict:
				row.Refused, row.Error = true, msg
			default:
				row.Error = msg
			}
			return row, ""
		}
		row.Over = row.P50ms > PageTargetMs || row.Bytes > PageTargetBytes
		return row, nextLink(row.Path, last.Header(), last.Body.Bytes())
	}
	var routes []PageRoute
	for _, rt := range PageRoutes(srv) {
		if o.Only == "" || strings.Contains(rt.Pattern, o.Only) {
			routes = append(routes, rt)
		}
	}
	logf("timing %d routes as %d readers, %d runs each …", len(routes), len(pageReaders), o.Runs)
	t1 := time.Now()
	for _, rt := range routes {
		res.Routes = append(res.Routes, rt.Pattern)
		if needsSession(rt.Path) {
			res.Skipped = append(res.Skipped, Skipped{Route: rt.Pattern, Reason: "reads the sign-in session itself"})
			continue
		}
		skipped := false
		for _, name := range pageReaders {
			p := readers[name]
			if !p.Can(rt.Perm) {
				continue
			}
			paths, why := fillPath(y, name, rt.Path)
			if why != "" {
				if !skipped {
					res.Skipped = append(res.Skipped, Skipped{Route: rt.Pattern, Reason: why})
					skipped = true
				}
				continue
			}
			for _, path := range paths {
				row, next := timeIt(PageRow{Reader: name, Route: rt.Pattern, Path: path, API: rt.API}, p)
				res.Rows = append(res.Rows, row)
				if next != "" {
					deep, _ := timeIt(PageRow{Reader: name, Route: rt.Pattern, Path: next, API: rt.API, Next: true}, p)
					res.Rows = append(res.Rows, deep)
				}
			}
		}
	}
	res.TimeSeconds = time.Since(t1).Seconds()
	res.count()
	logf("timed %d loads in %.1f s", len(res.Rows), res.TimeSeconds)
	return res, nil
}

var tags = regexp.MustCompile(`<[^>]*>|\s+`)

func stripTags(s string) string { return strings.TrimSpace(tags.ReplaceAllString(s, " ")) }

func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// PrintPages writes the table: one line per page and reader, the pages
// over a target marked, errors and skipped routes after it.
func PrintPages(w io.Writer, r *PagesResult) {
	fmt.Fprintf(w, "list pages at %d people on %s (fill %.0f s, %d audit events); %d loads each, one reader at a time\n",
		r.People, r.Engine, r.FillSeconds, r.Counts["audit_events"], r.Runs)
	fmt.Fprintf(w, "target: p50 ≤ %.0f ms and size ≤ %d KB; ▲ marks a page over it, ✗ an error, · a refusal or redirect by the page's own rules\n\n",
		r.TargetMs, r.TargetBytes>>10)
	fmt.Fprintf(w, "   %-48s %-8s %10s %10s %10s\n", "page", "reader", "size", "p50", "max")
	for _, x := range r.Rows {
		mark := "  "
		switch {
		case x.Refused || x.Redirect != "":
			mark = "· "
		case x.Error != "":
			mark = "✗ "
		case x.Over:
			mark = "▲ "
		}
		page := strings.TrimPrefix(x.Route, "GET ")
		if strings.Contains(page, "{kind}") {
			page = x.Path
		}
		if x.Next {
			page = "  ↳ next page"
		}
		if x.Redirect != "" {
			fmt.Fprintf(w, "%s %-48s %-8s redirected to %s\n", mark, page, x.Reader, x.Redirect)
			continue
		}
		if x.Error != "" {
			what := "error"
			if x.Refused {
				what = "refused"
			}
			fmt.Fprintf(w, "%s %-48s %-8s %s %s\n", mark, page, x.Reader, what, x.Error)
			continue
		}
		loads := ""
		if x.Loads > 0 && x.Loads < r.Runs {
			loads = fmt.Sprintf("  (%d of %d loads: over 5 s in all)", x.Loads, r.Runs)
		}
		fmt.Fprintf(w, "%s %-48s %-8s %7.1f KB %7.1f ms %7.1f ms%s\n", mark, page, x.Reader, float64(x.Bytes)/1024, x.P50ms, x.MaxMs, loads)
	}
	fmt.Fprintln(w)
	for _, n := range pageReaders {
		fmt.Fprintf(w, "  %-8s %s\n", n, readerNames[n])
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "  skipped %s: %s\n", s.Route, s.Reason)
	}
	if over := OverRoutes(r.Rows); len(over) > 0 {
		fmt.Fprintf(w, "\nover the target (%d routes; worst p50 and largest size of any reader, first page or next):\n", len(over))
		for _, o := range over {
			fmt.Fprintf(w, "  %-48s %8.1f ms %9.1f KB  %s\n", strings.TrimPrefix(o.Route, "GET "), o.P50ms, float64(o.Bytes)/1024,
				strings.Join(o.Readers, ", "))
		}
	}
	fmt.Fprintf(w, "\n%d loads of %d routes: %d over the target, %d errors\n", len(r.Rows), len(r.Routes), r.OverCount, r.ErrorCount)
}

// OverRoute is a route some reader found over the target.
type OverRoute struct {
	Route   string   `json:"route"`
	P50ms   float64  `json:"p50_ms"` // the worst p50 of its rows
	Bytes   int      `json:"bytes"`  // the largest of its rows
	Readers []string `json:"readers"`
}

// OverRoutes sums up the rows over the target by route, in table order.
func OverRoutes(rows []PageRow) []OverRoute {
	var out []OverRoute
	idx := map[string]int{}
	for _, x := range rows {
		if !x.Over || x.Error != "" {
			continue
		}
		route := x.Route
		if strings.Contains(route, "{kind}") {
			path, _, _ := strings.Cut(x.Path, "?")
			route = "GET " + path
		}
		i, ok := idx[route]
		if !ok {
			i = len(out)
			idx[route] = i
			out = append(out, OverRoute{Route: route})
		}
		o := &out[i]
		o.P50ms, o.Bytes = max(o.P50ms, x.P50ms), max(o.Bytes, x.Bytes)
		if !slices.Contains(o.Readers, x.Reader) {
			o.Readers = append(o.Readers, x.Reader)
		}
	}
	return out
}

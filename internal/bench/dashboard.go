package bench

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"sync"
	"time"

	"kitei/internal/app"
	"kitei/internal/authz"
	"kitei/internal/web"
)

// DashboardOptions configure `kitei bench dashboard`.
type DashboardOptions struct {
	DSN      string // "" : a fresh SQLite file in a temporary folder
	People   int    // default 20,000
	Items    int    // default 60
	Answered int    // percent of the people who have answered and submitted (default 10)
	Runs     int    // timed loads of each page (default 15)
	Log      io.Writer
}

// PageTiming is the timing of one page as one reader.
type PageTiming struct {
	Reader string  `json:"reader"`
	Page   string  `json:"page"`
	Bytes  int     `json:"bytes"`
	P50ms  float64 `json:"p50_ms"`
	MaxMs  float64 `json:"max_ms"`
}

// RunDashboard builds an organisation of People with a published campaign
// that most have answered, then times the home page (the dashboard) as a
// staff member, a 課室 officer and the 統括, and the annual report's
// generation and page, over the real web stack.
func RunDashboard(ctx context.Context, o DashboardOptions) ([]PageTiming, error) {
	if o.People <= 0 {
		o.People = 20000
	}
	if o.Items <= 0 {
		o.Items = 60
	}
	if o.Answered <= 0 {
		o.Answered = 10
	}
	if o.Runs <= 0 {
		o.Runs = 15
	}
	logf := progress(o.Log)
	_, db, a, closeBench, err := openBench(ctx, o.DSN)
	if err != nil {
		return nil, err
	}
	defer closeBench()
	logf("generating %d people × %d items …", o.People, o.Items)
	fx, err := Generate(ctx, db, a.Selfcheck, FixtureOptions{People: o.People, Items: o.Items})
	if err != nil {
		return nil, err
	}
	logf("answering for %d %% of them …", o.Answered)
	n := len(fx.People) * o.Answered / 100
	// Many people answer at once, as in the rush, so the group writer
	// commits their saves together.
	jobs := make(chan int)
	errs := make(chan error, 32)
	var wg sync.WaitGroup
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for pi := range jobs {
				p := fx.People[pi]
				for ii, item := range fx.ItemIDs {
					v := AnswerValue(pi, ii)
					comment := ""
					if v.NeedsComment() {
						comment = "対応予定"
					}
					if _, err := a.Selfcheck.SaveAnswer(ctx, fx.CampaignID, p.ID, item, v, comment); err != nil {
						errs <- err
						return
					}
				}
				if err := a.Selfcheck.Submit(ctx, fx.CampaignID, p.ID); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for pi := 0; pi < n; pi++ {
		select {
		case jobs <- pi:
		case err := <-errs:
			close(jobs)
			return nil, err
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	deps := a.WebDeps(app.WebOptions{Version: "bench"})
	deps.Auth = nil
	srv, err := web.New(deps)
	if err != nil {
		return nil, err
	}
	staff := fx.People[len(fx.People)-1]
	var officerID int64
	var officerPath string
	for unit, person := range fx.Officers {
		if unit == staff.UnitID {
			officerID, officerPath = person, staff.UnitPath
		}
	}
	readers := map[string]*authz.Principal{
		"staff": {PersonID: staff.ID, Login: "bench-staff", UnitPath: staff.UnitPath,
			Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: staff.UnitPath}}},
		"officer": {PersonID: officerID, Login: "bench-officer", UnitPath: officerPath,
			Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: officerPath}, {Role: authz.RoleDivisionISO, UnitPath: officerPath, Privileged: true}}},
		"chief": {PersonID: fx.ChiefISO, Login: "bench-chief",
			Grants: []authz.Grant{{Role: authz.RoleChiefISO, Privileged: true}, {Role: authz.RoleCISO, Privileged: true}}},
	}
	h := srv.Handler()
	load := func(reader, method, path string) (time.Duration, int, int) {
		req := httptest.NewRequest(method, path, nil)
		req = req.WithContext(authz.WithPrincipal(req.Context(), readers[reader]))
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, req)
		return time.Since(t0), rec.Code, rec.Body.Len()
	}
	var out []PageTiming
	timeIt := func(reader, method, path string, runs int) error {
		var ds []time.Duration
		size := 0
		for i := 0; i < runs; i++ {
			d, code, n := load(reader, method, path)
			if code != 200 && !(method == "POST" && code == 303) {
				return fmt.Errorf("%s %s as %s: status %d", method, path, reader, code)
			}
			ds, size = append(ds, d), n
		}
		max := 0.0
		for _, d := range ds {
			if ms := float64(d.Microseconds()) / 1000; ms > max {
				max = ms
			}
		}
		out = append(out, PageTiming{Reader: reader, Page: method + " " + path, Bytes: size, P50ms: percentile(ds, 0.5), MaxMs: max})
		return nil
	}
	logf("timing the dashboards …")
	for _, r := range []string{"staff", "officer", "chief"} {
		if err := timeIt(r, "GET", "/", o.Runs); err != nil {
			return nil, err
		}
	}
	fy := time.Now().Year()
	if time.Now().Month() < time.April {
		fy--
	}
	report := fmt.Sprintf("/yearly/%d/report", fy)
	if err := timeIt("chief", "POST", report, 3); err != nil {
		return nil, err
	}
	if err := timeIt("chief", "GET", report, o.Runs); err != nil {
		return nil, err
	}
	return out, nil
}

package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"kitei/internal/app"
	"kitei/internal/authz"
	"kitei/internal/training"
	"kitei/internal/web"
)

// TrainingOptions configure `kitei bench training`.
type TrainingOptions struct {
	DSN       string // "" or "sqlite:" … a fresh SQLite file in a temporary folder
	People    int    // default 20,000
	Clients   int    // concurrent HTTP clients (default 64)
	Questions int    // questions of the test (default 5)
	PageRuns  int    // timings per page (default 5)
	Log       io.Writer
}

// PageTime is the median time of one training page with everyone loaded.
type PageTime struct {
	Path string  `json:"path"`
	As   string  `json:"as"`
	P50  float64 `json:"p50_ms"`
	Max  float64 `json:"max_ms"`
	Size int     `json:"bytes"`
}

// TrainingResult is what the benchmark prints.
type TrainingResult struct {
	Engine          string     `json:"engine"`
	People          int        `json:"people"`
	Clients         int        `json:"clients"`
	Questions       int        `json:"questions"`
	SetupSeconds    float64    `json:"setup_seconds"`
	RushSeconds     float64    `json:"rush_seconds"`
	Completed       int        `json:"completed"`
	Requests        int        `json:"requests"`
	Errors          int        `json:"errors"`
	CompletionsSec  float64    `json:"completions_per_sec"`
	RequestsSec     float64    `json:"requests_per_sec"`
	P50ms           float64    `json:"p50_ms"` // per request (open, start, answer)
	P99ms           float64    `json:"p99_ms"`
	CompletionP50ms float64    `json:"completion_p50_ms"` // the three requests of one person
	CompletionP99ms float64    `json:"completion_p99_ms"`
	StoredCompleted int        `json:"stored_completed"` // completions the store holds afterwards
	Pages           []PageTime `json:"pages"`
	Slowest         PageTime   `json:"slowest"`
}

// Bench principals beyond staff: RoleHeader names an organisation-wide
// role (the 統括 or the CISO) or "officer" (課室 officer of the person's
// unit).
const RoleHeader = "X-Kitei-Bench-Role"

func trainingAuth(people map[int64]string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, err := strconv.ParseInt(r.Header.Get(PersonHeader), 10, 64); err == nil {
			if path, ok := people[id]; ok {
				grants := []authz.Grant{{Role: authz.RoleStaff, UnitPath: path}}
				switch role := r.Header.Get(RoleHeader); role {
				case "":
				case "officer":
					grants = append(grants, authz.Grant{Role: authz.RoleDivisionISO, UnitPath: path})
				default:
					grants = append(grants, authz.Grant{Role: role})
				}
				p := &authz.Principal{PersonID: id, Login: "bench-" + strconv.FormatInt(id, 10), UnitPath: path, Grants: grants}
				r = r.WithContext(authz.WithPrincipal(r.Context(), p))
			}
		}
		next.ServeHTTP(w, r)
	})
}

func benchQuestions(n int) []training.Question {
	var qs []training.Question
	for i := 0; i < n; i++ {
		qs = append(qs, training.Question{Text: fmt.Sprintf("設問%d: 情報セキュリティ規程で正しいものを選べ", i+1),
			Choices: []training.Choice{{Text: "誤り A"}, {Text: "正しい", Correct: true}, {Text: "誤り B"}, {Text: "誤り C"}}})
	}
	return qs
}

// RunTraining builds an organisation of People in a fresh store, publishes
// a course with a test to everyone, has every person complete it over real
// HTTP (open the course, start the test, post the right answers: the
// server checks them), then times the training pages with everyone loaded.
func RunTraining(ctx context.Context, o TrainingOptions) (*TrainingResult, error) {
	if o.People <= 0 {
		o.People = 20000
	}
	if o.Clients <= 0 {
		o.Clients = 64
	}
	if o.Questions <= 0 {
		o.Questions = 5
	}
	if o.PageRuns <= 0 {
		o.PageRuns = 5
	}
	logf := progress(o.Log)
	_, db, a, closeBench, err := openBench(ctx, o.DSN)
	if err != nil {
		return nil, err
	}
	defer closeBench()
	res := &TrainingResult{Engine: string(db.Dialect), People: o.People, Clients: o.Clients, Questions: o.Questions}

	logf("generating %d people on %s …", o.People, db.Dialect)
	t0 := time.Now()
	fx := &Fixture{Officers: map[int64]int64{}}
	fo := FixtureOptions{People: o.People, PerUnit: 200, Tag: strconv.FormatInt(time.Now().UnixNano()%1e9, 36)}
	if err := generateOrg(ctx, db, fo, fx); err != nil {
		return nil, fmt.Errorf("generate organisation: %w", err)
	}
	now := time.Now()
	c, err := a.Training.CreateCourse(ctx, authz.System, training.Course{Title: "情報セキュリティ研修（全職員）", Kind: training.KindELearning,
		Sections:  []training.Section{{Heading: "規程の概要", Body: "## 目的\n\n- 情報資産を守る\n- 事故を防ぐ\n\n**パスワードは他人に教えない。**"}},
		Questions: benchQuestions(o.Questions), PassMark: 80, OpensOn: now.AddDate(0, 0, -7).Format(training.DateLayout),
		ClosesOn: now.AddDate(0, 0, 7).Format(training.DateLayout), Audience: training.Audience{All: true}})
	if err != nil {
		return nil, err
	}
	c, assigned, err := a.Training.Publish(ctx, authz.System, c.ID)
	if err != nil {
		return nil, err
	}
	res.SetupSeconds = time.Since(t0).Seconds()
	logf("  %d units, course %d assigned to %d people in %.1f s", fx.Units, c.ID, assigned, res.SetupSeconds)
	right := map[string][]int{}
	for _, q := range c.Questions {
		for _, ch := range q.Choices {
			if ch.Correct {
				right[strconv.Itoa(q.ID)] = append(right[strconv.Itoa(q.ID)], ch.ID)
			}
		}
	}
	answerBody, _ := json.Marshal(map[string]any{"answers": right})

	deps := a.WebDeps(app.WebOptions{Version: "bench"})
	deps.Auth = nil
	srv, err := web.New(deps)
	if err != nil {
		return nil, err
	}
	paths := make(map[int64]string, len(fx.People))
	for _, p := range fx.People {
		paths[p.ID] = p.UnitPath
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: trainingAuth(paths, srv.Handler()), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()

	tr := &http.Transport{MaxIdleConns: o.Clients, MaxIdleConnsPerHost: o.Clients, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	call := func(method, url string, person int64, role string, body []byte) (int, []byte, error) {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, _ := http.NewRequestWithContext(ctx, method, url, rd)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(PersonHeader, strconv.FormatInt(person, 10))
		if role != "" {
			req.Header.Set(RoleHeader, role)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}

	logf("rush: %d clients complete the course for %d people over %s …", o.Clients, len(fx.People), base)
	var next, done, errs, reqs atomic.Int64
	lats := make([][]time.Duration, o.Clients)
	comp := make([][]time.Duration, o.Clients)
	var wg sync.WaitGroup
	start := time.Now()
	courseURL := fmt.Sprintf("%s/api/v1/training/courses/%d", base, c.ID)
	for w := 0; w < o.Clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			timed := func(method, url string, person int64, body []byte) (int, []byte) {
				t := time.Now()
				code, b, err := call(method, url, person, "", body)
				lats[w] = append(lats[w], time.Since(t))
				reqs.Add(1)
				if err != nil || code != http.StatusOK {
					errs.Add(1)
					return code, nil
				}
				return code, b
			}
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(fx.People) {
					return
				}
				p := fx.People[i].ID
				t := time.Now()
				if _, b := timed("GET", courseURL, p, nil); b == nil {
					continue
				}
				_, b := timed("POST", courseURL+"/attempts", p, nil)
				if b == nil {
					continue
				}
				var at struct{ ID int64 }
				json.Unmarshal(b, &at)
				_, b = timed("POST", fmt.Sprintf("%s/api/v1/training/attempts/%d/answers", base, at.ID), p, answerBody)
				var r training.Result
				if b != nil && json.Unmarshal(b, &r) == nil && r.Passed {
					done.Add(1)
					comp[w] = append(comp[w], time.Since(t))
				}
			}
		}(w)
	}
	stop := make(chan struct{})
	if o.Log != nil {
		go func() {
			tk := time.NewTicker(5 * time.Second)
			defer tk.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tk.C:
					logf("  %d completed, %.0f/s", done.Load(), float64(done.Load())/time.Since(start).Seconds())
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res.RushSeconds = time.Since(start).Seconds()
	res.Completed, res.Errors, res.Requests = int(done.Load()), int(errs.Load()), int(reqs.Load())
	res.CompletionsSec = float64(res.Completed) / res.RushSeconds
	res.RequestsSec = float64(res.Requests) / res.RushSeconds
	var all, full []time.Duration
	for w := range lats {
		all = append(all, lats[w]...)
		full = append(full, comp[w]...)
	}
	res.P50ms, res.P99ms = percentile(all, 0.5), percentile(all, 0.99)
	res.CompletionP50ms, res.CompletionP99ms = percentile(full, 0.5), percentile(full, 0.99)
	if err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM training_assignments WHERE course_id = $1 AND status = 'completed'`,
		c.ID).Scan(&res.StoredCompleted); err != nil {
		return nil, err
	}

	logf("timing the training pages with %d completions loaded (%d runs each) …", res.StoredCompleted, o.PageRuns)
	chief, officer, staff := fx.ChiefISO, fx.People[len(fx.People)/2].ID, fx.People[len(fx.People)-1].ID
	pages := []struct {
		path, role string
		person     int64
	}{
		{"/training", "", staff},
		{fmt.Sprintf("/training/courses/%d", c.ID), "", staff},
		{"/training/follow", "officer", officer},
		{"/training/follow", authz.RoleChiefISO, chief},
		{"/training/admin", authz.RoleChiefISO, chief},
		{"/training/results", authz.RoleCISO, chief},
		{"/training/report", authz.RoleCISO, chief},
		{"/training/results.xlsx", authz.RoleCISO, chief},
		{"/api/v1/training/results", authz.RoleCISO, chief},
		{"/api/v1/training/follow", authz.RoleChiefISO, chief},
	}
	for _, pg := range pages {
		var ts []time.Duration
		pt := PageTime{Path: pg.path, As: pg.role}
		if pt.As == "" {
			pt.As = "staff"
		}
		for i := 0; i < o.PageRuns; i++ {
			t := time.Now()
			code, b, err := call("GET", base+pg.path, pg.person, pg.role, nil)
			d := time.Since(t)
			if err != nil || code != http.StatusOK {
				return nil, fmt.Errorf("page %s as %s: status %d %v", pg.path, pt.As, code, err)
			}
			ts = append(ts, d)
			pt.Size = len(b)
		}
		pt.P50 = percentile(ts, 0.5)
		pt.Max = percentile(ts, 1)
		res.Pages = append(res.Pages, pt)
		if pt.P50 > res.Slowest.P50 {
			res.Slowest = pt
		}
	}
	return res, nil
}

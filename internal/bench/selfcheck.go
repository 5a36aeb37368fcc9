package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime/metrics"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"kitei/internal/app"
	"kitei/internal/authz"
	"kitei/internal/selfcheck"
	"kitei/internal/store"
	"kitei/internal/web"
)

// SelfcheckOptions configure `kitei bench selfcheck`.
type SelfcheckOptions struct {
	DSN     string // "" or "sqlite:" … a fresh SQLite file in a temporary folder
	People  int
	Items   int
	Clients int
	// Rate paces the rush in answers per second across all clients: below
	// zero, at the raw commit rate measured in the same run (the default);
	// zero, as fast as the clients can go (saturation).
	Rate       float64
	RawFor     time.Duration // how long the raw commit loop runs (default 3 s)
	RollupRuns int           // roll-up timings taken (default 9)
	Log        io.Writer     // progress lines (nil: none)
	// Replicas is how many web servers, each with its own services and
	// connection pool over the one store, share the rush behind a
	// round-robin proxy (PostgreSQL only; default 1).
	Replicas int
	// Duration bounds the rush (0: every person answers every item). The
	// people are drawn in a shuffled order from the whole organisation
	// either way, and every acknowledged answer is checked afterwards.
	Duration time.Duration
}

// SelfcheckResult is what the benchmark prints.
type SelfcheckResult struct {
	Engine           string  `json:"engine"`
	People           int     `json:"people"`
	Items            int     `json:"items"`
	Clients          int     `json:"clients"`
	TargetRate       float64 `json:"target_rate"` // answers/s the rush was paced at; 0 for saturation
	SetupSeconds     float64 `json:"setup_seconds"`
	RushSeconds      float64 `json:"rush_seconds"`
	RushLimitSeconds float64 `json:"rush_limit_seconds,omitempty"` // --duration; 0: the whole organisation answered
	AnswersTotal     int     `json:"answers_total"`
	Errors           int     `json:"errors"`
	AnswersPerSec    float64 `json:"answers_per_sec"`
	P50ms            float64 `json:"p50_ms"`
	P99ms            float64 `json:"p99_ms"`
	// Server-side time of the answer saves (handler entry to response
	// written, on the web server) and how late the clients sent them
	// after they were due: p99 − server p99 is what the clients' own
	// scheduling and the loopback add.
	ServerP50ms  float64 `json:"server_p50_ms"`
	ServerP99ms  float64 `json:"server_p99_ms"`
	SendLagP99ms float64 `json:"send_lag_p99_ms"`
	// SchedP99ms is the p99 of the Go scheduler's latency (runnable to
	// running) of every goroutine in the process during the rush, clients
	// and server alike: how long work waited for one of the cores.
	SchedP99ms float64 `json:"sched_p99_ms"`
	// GCCycles and GCPauseP99ms are the garbage collections that ran
	// during the rush and their stop-the-world pauses.
	GCCycles     int     `json:"gc_cycles"`
	GCPauseP99ms float64 `json:"gc_pause_p99_ms"`
	// CPUPerAnswerMs is the process's CPU time (user and system, clients,
	// server and database together) during the rush per acknowledged
	// answer.
	CPUPerAnswerMs   float64 `json:"cpu_per_answer_ms"`
	RawCommitsPerSec float64 `json:"raw_commits_per_sec"`
	Ratio            float64 `json:"ratio"`
	RollupP50ms      float64 `json:"rollup_p50_ms"`
	RollupAnswers    int     `json:"rollup_answers"`
	LostAcknowledged int     `json:"lost_acknowledged"`
	Replicas         int     `json:"replicas"`
	// Unit officers load their unit's progress page during the rush.
	OfficerPages int     `json:"officer_pages"`
	OfficerP50ms float64 `json:"officer_p50_ms"`
	OfficerP99ms float64 `json:"officer_p99_ms"`
}

// PersonHeader carries the person a benchmark request acts for. Only the
// benchmark's own handler (BenchAuth) reads it; `kitei serve` never does.
const PersonHeader = "X-Kitei-Bench-Person"

// BenchAuth puts the principal of the person named in PersonHeader on the
// request, in front of the real handler stack (sign-in resolution, guard
// with its permission check, API handler, service, group-commit writer).
// It stands in for sign-in so the measurement is of answering, not of
// creating 20,000 accounts; requests without the header are unauthenticated.
func BenchAuth(people map[int64]string, next http.Handler) http.Handler {
	return BenchAuthWithOfficers(people, nil, next)
}

// BenchAuthWithOfficers is BenchAuth where the people in officers (person
// → the unit path they answer for) also hold 課室情報セキュリティ責任者 there.
func BenchAuthWithOfficers(people, officers map[int64]string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, err := strconv.ParseInt(r.Header.Get(PersonHeader), 10, 64); err == nil {
			path, ok := people[id]
			if op, officer := officers[id]; officer && !ok {
				path, ok = op, true
			}
			if ok {
				p := &authz.Principal{PersonID: id, Login: "bench-" + strconv.FormatInt(id, 10), UnitPath: path,
					Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: path}}}
				if op, officer := officers[id]; officer {
					p.Grants = append(p.Grants, authz.Grant{Role: authz.RoleDivisionISO, UnitPath: op, Privileged: true})
				}
				r = r.WithContext(authz.WithPrincipal(r.Context(), p))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// NewBenchServer builds the real web server over db with the benchmark's
// principal injection in front.
// Sign-in is left out: BenchAuth puts each client's principal on the
// request instead.
func NewBenchServer(a *app.App, people []Person) (http.Handler, error) {
	return newBenchServer(a, people, nil)
}

func newBenchServer(a *app.App, people []Person, officers map[int64]string) (http.Handler, error) {
	deps := a.WebDeps(app.WebOptions{Version: "bench"})
	deps.Auth = nil
	srv, err := web.New(deps)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(people))
	for _, p := range people {
		m[p.ID] = p.UnitPath
	}
	return BenchAuthWithOfficers(m, officers, srv.Handler()), nil
}

// AnswerValue is the answer the benchmark gives person index pi for item
// index ii: 70 % yes, 15 % partial, 10 % no, 5 % not applicable.
func AnswerValue(pi, ii int) selfcheck.Value {
	switch h := (pi*31 + ii*17) % 20; {
	case h < 14:
		return selfcheck.Yes
	case h < 17:
		return selfcheck.Partial
	case h < 19:
		return selfcheck.No
	}
	return selfcheck.NA
}

// Rush has clients answer every person's checklist over HTTP at baseURL,
// each client taking the next person and saving their items one by one.
// acked[pi*len(items)+ii] is set for every save answered 200.
type Rush struct {
	BaseURL    string
	CampaignID int64
	People     []Person
	ItemIDs    []int64
	Clients    int
	// Rate, when above zero, paces the saves: save k is due at start +
	// k/Rate, and its latency counts from that moment, so a server that
	// falls behind shows it in the latencies (no coordinated omission).
	Rate float64
	Log  io.Writer
	// Tokens, when set, are the people's API tokens: each save is sent
	// with its person's bearer token (a real `kitei serve`) instead of the
	// benchmark's person header.
	Tokens map[int64]string
	// Duration, when above zero, bounds the rush: no save starts after
	// that long (a person half-way through their checklist stops there).
	Duration time.Duration
	// Spread has the clients take the people in a fixed shuffled order
	// instead of one after another, so a bounded rush draws its people
	// from every unit of the organisation.
	Spread bool

	Acked     []bool
	acks      atomic.Int64
	Latencies []time.Duration
	// SendLags are, for a paced rush, how late each save was sent after
	// it was due: the clients' own scheduling delay, not the server's.
	SendLags []time.Duration
	Errors   int64
	Elapsed  time.Duration
}

// Acknowledged is how many saves have been answered 200 so far; it may be
// read while the rush runs.
func (r *Rush) Acknowledged() int64 { return r.acks.Load() }

// Run performs the rush; it stops early when ctx ends.
func (r *Rush) Run(ctx context.Context) {
	n := len(r.ItemIDs)
	r.Acked = make([]bool, len(r.People)*n)
	tr := &http.Transport{MaxIdleConns: r.Clients, MaxIdleConnsPerHost: r.Clients, IdleConnTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var next, seq atomic.Int64
	var interval time.Duration
	if r.Rate > 0 {
		interval = time.Duration(float64(time.Second) / r.Rate)
	}
	lats := make([][]time.Duration, r.Clients)
	lags := make([][]time.Duration, r.Clients)
	order := make([]int, len(r.People))
	for i := range order {
		order[i] = i
	}
	if r.Spread {
		rand.New(rand.NewPCG(20, 60)).Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	var wg sync.WaitGroup
	start := time.Now()
	var deadline time.Time
	if r.Duration > 0 {
		deadline = start.Add(r.Duration)
	}
	stopLog := make(chan struct{})
	if r.Log != nil {
		go func() {
			t := time.NewTicker(5 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-stopLog:
					return
				case <-t.C:
					d := r.acks.Load()
					fmt.Fprintf(r.Log, "  %d answers, %.0f/s\n", d, float64(d)/time.Since(start).Seconds())
				}
			}
		}()
	}
	for c := 0; c < r.Clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body bytes.Buffer
			for ctx.Err() == nil {
				k := int(next.Add(1) - 1)
				if k >= len(r.People) {
					return
				}
				pi := order[k]
				p := r.People[pi]
				for ii, item := range r.ItemIDs {
					if ctx.Err() != nil {
						return
					}
					v := AnswerValue(pi, ii)
					comment := ""
					if v.NeedsComment() {
						comment = "手順書の整備が未完了のため、年度内に対応予定。"
					}
					body.Reset()
					json.NewEncoder(&body).Encode(map[string]string{"value": v.String(), "comment": comment})
					url := fmt.Sprintf("%s/api/v1/selfcheck/campaigns/%d/answers/%d", r.BaseURL, r.CampaignID, item)
					req, _ := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(body.Bytes()))
					req.Header.Set("Content-Type", "application/json")
					if tok, ok := r.Tokens[p.ID]; ok {
						req.Header.Set("Authorization", "Bearer "+tok)
					} else {
						req.Header.Set(PersonHeader, strconv.FormatInt(p.ID, 10))
					}
					t0 := time.Now()
					if interval > 0 {
						due := start.Add(time.Duration(seq.Add(1)-1) * interval)
						if !deadline.IsZero() && due.After(deadline) {
							return
						}
						if d := time.Until(due); d > 0 {
							time.Sleep(d)
						}
						t0 = due
						lags[c] = append(lags[c], time.Since(due))
					} else if !deadline.IsZero() && t0.After(deadline) {
						return
					}
					resp, err := client.Do(req)
					if err != nil {
						atomic.AddInt64(&r.Errors, 1)
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					lats[c] = append(lats[c], time.Since(t0))
					if resp.StatusCode == http.StatusOK {
						r.Acked[pi*n+ii] = true
						r.acks.Add(1)
					} else {
						atomic.AddInt64(&r.Errors, 1)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stopLog)
	r.Elapsed = time.Since(start)
	for c := range lats {
		r.Latencies = append(r.Latencies, lats[c]...)
		r.SendLags = append(r.SendLags, lags[c]...)
	}
}

// Answered counts the acknowledged saves.
func (r *Rush) Answered() int {
	n := 0
	for _, a := range r.Acked {
		if a {
			n++
		}
	}
	return n
}

// Lost counts acknowledged saves missing from (or different in) the store.
func (r *Rush) Lost(ctx context.Context, db *store.DB) (int, error) {
	pidx := make(map[int64]int, len(r.People))
	for i, p := range r.People {
		pidx[p.ID] = i
	}
	iidx := make(map[int64]int, len(r.ItemIDs))
	for i, id := range r.ItemIDs {
		iidx[id] = i
	}
	found := make([]bool, len(r.Acked))
	n := len(r.ItemIDs)
	err := db.Selfchecks().EachAnswer(ctx, r.CampaignID, func(person, item int64, v selfcheck.Value) {
		pi, ok1 := pidx[person]
		ii, ok2 := iidx[item]
		if ok1 && ok2 && v == AnswerValue(pi, ii) {
			found[pi*n+ii] = true
		}
	})
	if err != nil {
		return 0, err
	}
	lost := 0
	for i, a := range r.Acked {
		if a && !found[i] {
			lost++
		}
	}
	return lost, nil
}

func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := int(p * float64(len(ds)-1))
	return float64(ds[i].Microseconds()) / 1000
}

// RunSelfcheck generates the organisation in a fresh store, measures the
// raw commit rate, runs the rush over real HTTP, checks every acknowledged
// answer and times the roll-up.
func RunSelfcheck(ctx context.Context, o SelfcheckOptions) (*SelfcheckResult, error) {
	if o.People <= 0 {
		o.People = 20000
	}
	if o.Items <= 0 {
		o.Items = 60
	}
	if o.Clients <= 0 {
		o.Clients = 200
	}
	if o.RawFor <= 0 {
		o.RawFor = 3 * time.Second
	}
	if o.RollupRuns <= 0 {
		o.RollupRuns = 9
	}
	logf := progress(o.Log)
	dsn, db, a, closeBench, err := openBench(ctx, o.DSN)
	if err != nil {
		return nil, err
	}
	defer closeBench()
	res := &SelfcheckResult{Engine: string(db.Dialect), People: o.People, Items: o.Items, Clients: o.Clients}

	svc := a.Selfcheck
	logf("generating %d people × %d items on %s …", o.People, o.Items, db.Dialect)
	t0 := time.Now()
	fx, err := Generate(ctx, db, svc, FixtureOptions{People: o.People, Items: o.Items})
	if err != nil {
		return nil, err
	}
	res.SetupSeconds = time.Since(t0).Seconds()

	logf("raw durable-commit rate (%s of single-row INSERT + COMMIT) …", o.RawFor)
	if res.RawCommitsPerSec, err = db.RawCommitRate(ctx, o.RawFor); err != nil {
		return nil, err
	}
	logf("  %.0f commits/s", res.RawCommitsPerSec)

	unitPaths := map[int64]string{}
	for _, p := range fx.People {
		unitPaths[p.UnitID] = p.UnitPath
	}
	officers := map[int64]string{}
	var officerIDs []int64
	for unit, person := range fx.Officers {
		if path, ok := unitPaths[unit]; ok {
			officers[person] = path
			officerIDs = append(officerIDs, person)
		}
	}
	sort.Slice(officerIDs, func(i, j int) bool { return officerIDs[i] < officerIDs[j] })
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.Replicas > 1 && db.Dialect != store.Postgres {
		return nil, fmt.Errorf("--replicas needs PostgreSQL (SQLite has one writer per file)")
	}
	res.Replicas = o.Replicas
	st := &serverTimes{}
	var backends []string
	for i := 0; i < o.Replicas; i++ {
		ra := a
		if i > 0 {
			rdb, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				return nil, err
			}
			defer rdb.Close()
			ra = app.New(rdb, benchLogger())
			defer ra.Close()
		}
		h, err := newBenchServer(ra, fx.People, officers)
		if err != nil {
			return nil, err
		}
		h = st.wrap(h)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go hs.Serve(ln)
		defer hs.Close()
		backends = append(backends, "http://"+ln.Addr().String())
	}
	base := backends[0]
	if len(backends) > 1 {
		lb, err := roundRobin(backends)
		if err != nil {
			return nil, err
		}
		defer lb.Close()
		base = lb.URL
	}

	res.TargetRate = o.Rate
	if o.Rate < 0 {
		res.TargetRate = res.RawCommitsPerSec
	}
	if res.TargetRate > 0 {
		logf("rush: %d clients over %s (%d replicas) paced at %.0f answers/s …", o.Clients, base, o.Replicas, res.TargetRate)
	} else {
		logf("rush: %d clients over %s (%d replicas), unpaced (saturation) …", o.Clients, base, o.Replicas)
	}
	if o.Duration > 0 {
		logf("  bounded to %s", o.Duration)
		res.RushLimitSeconds = o.Duration.Seconds()
	}
	rush := &Rush{BaseURL: base, CampaignID: fx.CampaignID, People: fx.People,
		ItemIDs: fx.ItemIDs, Clients: o.Clients, Rate: res.TargetRate, Log: o.Log, Duration: o.Duration, Spread: true}
	stopPages := make(chan struct{})
	pagesDone := make(chan []time.Duration, 1)
	go func() { pagesDone <- officerPages(base, fx.CampaignID, officerIDs, officers, stopPages) }()
	rt0 := readRuntime()
	rush.Run(ctx)
	rt1 := readRuntime()
	close(stopPages)
	pages := <-pagesDone
	res.OfficerPages = len(pages)
	res.OfficerP50ms, res.OfficerP99ms = percentile(pages, 0.5), percentile(pages, 0.99)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res.RushSeconds = rush.Elapsed.Seconds()
	res.AnswersTotal = rush.Answered()
	res.Errors = int(rush.Errors)
	res.AnswersPerSec = float64(res.AnswersTotal) / res.RushSeconds
	res.P50ms = percentile(rush.Latencies, 0.50)
	res.P99ms = percentile(rush.Latencies, 0.99)
	server := st.all()
	res.ServerP50ms, res.ServerP99ms = percentile(server, 0.5), percentile(server, 0.99)
	res.SendLagP99ms = percentile(rush.SendLags, 0.99)
	res.SchedP99ms = histDiffPercentile(rt0.sched, rt1.sched, 0.99)
	res.GCPauseP99ms = histDiffPercentile(rt0.pauses, rt1.pauses, 0.99)
	res.GCCycles = int(rt1.cycles - rt0.cycles)
	if res.AnswersTotal > 0 {
		res.CPUPerAnswerMs = float64((rt1.cpu - rt0.cpu).Microseconds()) / 1000 / float64(res.AnswersTotal)
	}
	if res.RawCommitsPerSec > 0 {
		res.Ratio = res.AnswersPerSec / res.RawCommitsPerSec
	}
	if res.LostAcknowledged, err = rush.Lost(ctx, db); err != nil {
		return nil, err
	}

	logf("roll-up unit × section over the answers (%d runs) …", o.RollupRuns)
	var rl []time.Duration
	for i := 0; i < o.RollupRuns; i++ {
		t := time.Now()
		r, err := svc.Rollup(ctx, authz.System, fx.CampaignID, -1)
		if err != nil {
			return nil, err
		}
		rl = append(rl, time.Since(t))
		res.RollupAnswers = r.Total.Total.Answered()
	}
	res.RollupP50ms = percentile(rl, 0.5)
	return res, nil
}

// runtimeStats are the Go runtime's counters the benchmark reports.
type runtimeStats struct {
	sched, pauses *metrics.Float64Histogram
	cycles        uint64
	cpu           time.Duration // user + system time of the process
}

func readRuntime() runtimeStats {
	ss := []metrics.Sample{{Name: "/sched/latencies:seconds"}, {Name: "/sched/pauses/total/gc:seconds"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(ss)
	var st runtimeStats
	if ss[0].Value.Kind() == metrics.KindFloat64Histogram {
		st.sched = ss[0].Value.Float64Histogram()
	}
	if ss[1].Value.Kind() == metrics.KindFloat64Histogram {
		st.pauses = ss[1].Value.Float64Histogram()
	}
	if ss[2].Value.Kind() == metrics.KindUint64 {
		st.cycles = ss[2].Value.Uint64()
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		st.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return st
}

// histDiffPercentile is the p-quantile, in milliseconds, of what was
// added to a runtime histogram between a and b (the upper bound of the
// bucket it falls in).
func histDiffPercentile(a, b *metrics.Float64Histogram, p float64) float64 {
	if a == nil || b == nil || len(a.Counts) != len(b.Counts) {
		return 0
	}
	var total uint64
	for i := range b.Counts {
		total += b.Counts[i] - a.Counts[i]
	}
	if total == 0 {
		return 0
	}
	want := uint64(p * float64(total))
	var n uint64
	for i := range b.Counts {
		n += b.Counts[i] - a.Counts[i]
		if n > want {
			hi := b.Buckets[i+1]
			if math.IsInf(hi, 1) {
				hi = b.Buckets[i]
			}
			return hi * 1000
		}
	}
	return 0
}

// serverTimes collects the web servers' own time for the answer saves.
type serverTimes struct {
	mu sync.Mutex
	ds []time.Duration
}

func (s *serverTimes) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			next.ServeHTTP(w, r)
			return
		}
		t := time.Now()
		next.ServeHTTP(w, r)
		d := time.Since(t)
		s.mu.Lock()
		s.ds = append(s.ds, d)
		s.mu.Unlock()
	})
}

func (s *serverTimes) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.ds...)
}

// roundRobin is a reverse proxy handing requests to the backends in turn.
func roundRobin(backends []string) (*httptest.Server, error) {
	proxies := make([]*httputil.ReverseProxy, len(backends))
	for i, b := range backends {
		u, err := url.Parse(b)
		if err != nil {
			return nil, err
		}
		proxies[i] = httputil.NewSingleHostReverseProxy(u)
		proxies[i].Transport = &http.Transport{MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	}
	var turn atomic.Int64
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxies[int(turn.Add(1))%len(proxies)].ServeHTTP(w, r)
	})), nil
}

// officerPages has unit officers, one after another, load their unit's
// progress page of the campaign every 200 ms until stop, and returns the
// page times.
func officerPages(base string, campaign int64, ids []int64, officers map[int64]string, stop <-chan struct{}) []time.Duration {
	if len(ids) == 0 {
		return nil
	}
	client := &http.Client{Timeout: 30 * time.Second}
	var out []time.Duration
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return out
		case <-t.C:
		}
		id := ids[i%len(ids)]
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/selfcheck/campaigns/%d", base, campaign), nil)
		req.Header.Set(PersonHeader, strconv.FormatInt(id, 10))
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			out = append(out, time.Since(t0))
		}
	}
}

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"strconv"
	"syscall"
	"time"

	"kitei/internal/bench"
)

func runBench(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "training" {
		return runBenchTraining(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "dashboard" {
		return runBenchDashboard(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "pages" {
		return runBenchPages(ctx, env, args[1:])
	}
	if len(args) == 0 || args[0] != "selfcheck" {
		return usageErr("kitei bench selfcheck [--people N] [--items N] [--clients N] [--duration D] [--runs N] [--replicas N] [--db DSN] [--json] | kitei bench training [--people N] [--clients N] [--db DSN] [--json] | kitei bench dashboard [--people N] [--db DSN] [--json] | kitei bench pages [--people N] [--runs N] [--db DSN] [--json] [--no-fail]")
	}
	return runBenchSelfcheck(ctx, env, args[1:])
}

// runBenchSelfcheck measures the self-inspection deadline rush (DESIGN.md
// §5). --prepare and --serve split it for the crash test: --prepare builds
// the organisation and prints its ids, --serve runs the web server with the
// benchmark's principal injection over that store until killed.
func runBenchSelfcheck(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "bench selfcheck")
	dsn := fs.String("db", "", "database (default: a fresh SQLite file in a temporary folder)")
	people := fs.Int("people", 20000, "people in the generated organisation")
	items := fs.Int("items", 60, "items on every checklist")
	clients := fs.Int("clients", 200, "concurrent HTTP clients")
	rawSecs := fs.Float64("raw-seconds", 3, "how long to measure the raw durable-commit rate")
	rate := fs.String("rate", "raw", "pace of the rush in answers/s: raw (the raw commit rate measured in the run), a number, or max (unpaced saturation)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	prepare := fs.Bool("prepare", false, "only generate the organisation and print its ids as JSON")
	serve := fs.Bool("serve", false, "serve the prepared store with benchmark sign-in until killed")
	addr := fs.String("addr", "127.0.0.1:0", "listen address for --serve")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	replicas := fs.Int("replicas", 1, "web servers sharing the rush behind a round-robin proxy, each with its own connection pool (PostgreSQL)")
	runs := fs.Int("runs", 1, "repeat the whole measurement and print min / median / max of each figure")
	duration := fs.Duration("duration", 60*time.Second, "how long the rush runs, drawing people from the whole organisation (0: until every person has answered every item)")
	blockProfile := fs.String("blockprofile", "", "write a blocking profile of the run to this file")
	mutexProfile := fs.String("mutexprofile", "", "write a mutex contention profile of the run to this file")
	traceFile := fs.String("trace", "", "write a runtime execution trace of the run to this file (large: use with a short --duration)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *duration < 0 {
		return usageErr("--duration must not be negative")
	}
	var pace float64
	switch *rate {
	case "raw":
		pace = -1
	case "max":
		pace = 0
	default:
		v, err := strconv.ParseFloat(*rate, 64)
		if err != nil || v <= 0 {
			return usageErr("--rate takes raw, max or a positive number, not %q", *rate)
		}
		pace = v
	}
	if *people < 1 || *items < 1 || *clients < 1 || *replicas < 1 || *runs < 1 || *runs > 9 {
		return usageErr("--people, --items, --clients and --replicas must be positive, --runs between 1 and 9")
	}
	switch {
	case *prepare:
		return benchPrepare(ctx, env, *dsn, *people, *items)
	case *serve:
		return benchServe(ctx, env, *dsn, *addr)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *blockProfile != "" {
		runtime.SetBlockProfileRate(int(100 * time.Microsecond))
		defer writeProfile(*blockProfile, "block")
	}
	if *mutexProfile != "" {
		runtime.SetMutexProfileFraction(10)
		defer writeProfile(*mutexProfile, "mutex")
	}
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			return err
		}
		defer trace.Stop()
	}
	var log io.Writer
	if !*asJSON {
		log = env.Stderr
	}
	var results []*bench.SelfcheckResult
	for i := 0; i < *runs; i++ {
		if *runs > 1 && log != nil {
			fmt.Fprintf(log, "run %d of %d\n", i+1, *runs)
		}
		res, err := bench.RunSelfcheck(ctx, bench.SelfcheckOptions{DSN: *dsn, People: *people, Items: *items, Clients: *clients, Rate: pace,
			RawFor: time.Duration(*rawSecs * float64(time.Second)), Log: log, Replicas: *replicas, Duration: *duration})
		if err != nil {
			return err
		}
		results = append(results, res)
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		if len(results) == 1 {
			return enc.Encode(results[0])
		}
		return enc.Encode(results)
	}
	printSelfcheckBench(env.Stdout, results)
	return nil
}

// printSelfcheckBench prints one run's figures, or min / median / max of
// each figure over several runs.
func printSelfcheckBench(w io.Writer, rs []*bench.SelfcheckResult) {
	r0 := rs[0]
	fmt.Fprintf(w, "self-inspection rush on %s: %d people × %d items, %d clients, %d replica(s), %d run(s)\n",
		r0.Engine, r0.People, r0.Items, r0.Clients, r0.Replicas, len(rs))
	if r0.RushLimitSeconds > 0 {
		fmt.Fprintf(w, "  rush bounded to %.0f s per run, people drawn from the whole organisation\n", r0.RushLimitSeconds)
	}
	if r0.TargetRate > 0 {
		fmt.Fprintf(w, "  paced at the raw commit rate measured in each run (latency counted from each save's due time)\n")
	} else {
		fmt.Fprintf(w, "  unpaced            clients save as fast as they can (saturation)\n")
	}
	row := func(label, format string, f func(*bench.SelfcheckResult) float64) {
		vs := make([]float64, len(rs))
		for i, r := range rs {
			vs[i] = f(r)
		}
		sort.Float64s(vs)
		if len(vs) == 1 {
			fmt.Fprintf(w, "  %-22s "+format+"\n", label, vs[0])
			return
		}
		fmt.Fprintf(w, "  %-22s "+format+" / "+format+" / "+format+"  (min / median / max)\n", label, vs[0], vs[len(vs)/2], vs[len(vs)-1])
	}
	row("answers", "%.0f", func(r *bench.SelfcheckResult) float64 { return float64(r.AnswersTotal) })
	row("errors", "%.0f", func(r *bench.SelfcheckResult) float64 { return float64(r.Errors) })
	row("answers/s", "%.0f", func(r *bench.SelfcheckResult) float64 { return r.AnswersPerSec })
	row("raw commits/s", "%.0f", func(r *bench.SelfcheckResult) float64 { return r.RawCommitsPerSec })
	row("ratio (≥ 0.70)", "%.2f", func(r *bench.SelfcheckResult) float64 { return r.Ratio })
	row("latency p50 ms", "%.1f", func(r *bench.SelfcheckResult) float64 { return r.P50ms })
	row("latency p99 ms (≤ 50)", "%.1f", func(r *bench.SelfcheckResult) float64 { return r.P99ms })
	row("server p50 ms", "%.1f", func(r *bench.SelfcheckResult) float64 { return r.ServerP50ms })
	row("server p99 ms", "%.1f", func(r *bench.SelfcheckResult) float64 { return r.ServerP99ms })
	row("send lag p99 ms", "%.1f", func(r *bench.SelfcheckResult) float64 { return r.SendLagP99ms })
	row("sched latency p99 ms", "%.1f", func(r *bench.SelfcheckResult) float64 { return r.SchedP99ms })
	row("GC cycles in the rush", "%.0f", func(r *bench.SelfcheckResult) float64 { return float64(r.GCCycles) })
	row("CPU ms per answer", "%.3f", func(r *bench.SelfcheckResult) float64 { return r.CPUPerAnswerMs })
	row("GC pause p99 ms", "%.2f", func(r *bench.SelfcheckResult) float64 { return r.GCPauseP99ms })
	row("officer page p50 ms", "%.1f", func(r *bench.SelfcheckResult) float64 { return r.OfficerP50ms })
	row("officer page p99 ms", "%.1f", func(r *bench.SelfcheckResult) float64 { return r.OfficerP99ms })
	row("roll-up p50 ms", "%.1f", func(r *bench.SelfcheckResult) float64 { return r.RollupP50ms })
	row("lost acknowledged", "%.0f", func(r *bench.SelfcheckResult) float64 { return float64(r.LostAcknowledged) })
}

// writeProfile writes the named runtime profile to path (errors are
// printed by nobody: a profile is a by-product of the run).
func writeProfile(path, name string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	pprof.Lookup(name).WriteTo(f, 0)
}

// PreparedBench is what --prepare prints.
type PreparedBench struct {
	CampaignID int64   `json:"campaign_id"`
	People     []int64 `json:"people"`
	Items      []int64 `json:"items"`
}

func benchPrepare(ctx context.Context, env *Env, dsn string, people, items int) error {
	if dsn == "" {
		return usageErr("--prepare needs --db")
	}
	db, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	a := services(db)
	defer a.Close()
	fx, err := bench.Generate(ctx, db, a.Selfcheck, bench.FixtureOptions{People: people, Items: items})
	if err != nil {
		return err
	}
	out := PreparedBench{CampaignID: fx.CampaignID, Items: fx.ItemIDs}
	for _, p := range fx.People {
		out.People = append(out.People, p.ID)
	}
	return json.NewEncoder(env.Stdout).Encode(out)
}

func benchServe(ctx context.Context, env *Env, dsn, addr string) error {
	if dsn == "" {
		return usageErr("--serve needs --db")
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	db, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	a := services(db)
	defer a.Close()
	people, err := db.Selfchecks().PeoplePaths(ctx)
	if err != nil {
		return err
	}
	var ps []bench.Person
	for id, path := range people {
		ps = append(ps, bench.Person{ID: id, UnitPath: path})
	}
	h, err := bench.NewBenchServer(a, ps)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Fprintf(env.Stdout, "listening http://%s\n", ln.Addr())
	if env.Ready != nil {
		env.Ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

// runBenchTraining measures 20,000 people completing a course over HTTP
// and the training pages with all of them loaded.
func runBenchTraining(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "bench training")
	dsn := fs.String("db", "", "database (default: a fresh SQLite file in a temporary folder)")
	people := fs.Int("people", 20000, "people in the generated organisation, each completing the course")
	clients := fs.Int("clients", 64, "concurrent HTTP clients")
	questions := fs.Int("questions", 5, "questions of the comprehension test")
	runs := fs.Int("page-runs", 5, "timings per page")
	asJSON := fs.Bool("json", false, "print one JSON object")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *people < 1 || *clients < 1 || *questions < 1 || *runs < 1 {
		return usageErr("--people, --clients, --questions and --page-runs must be positive")
	}
	var log io.Writer
	if !*asJSON {
		log = env.Stderr
	}
	res, err := bench.RunTraining(ctx, bench.TrainingOptions{DSN: *dsn, People: *people, Clients: *clients, Questions: *questions,
		PageRuns: *runs, Log: log})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(env.Stdout).Encode(res)
	}
	out := env.Stdout
	fmt.Fprintf(out, "training completions on %s: %d people, %d-question test, %d clients\n", res.Engine, res.People, res.Questions, res.Clients)
	fmt.Fprintf(out, "  setup              %.1f s (organisation, course published to everyone)\n", res.SetupSeconds)
	fmt.Fprintf(out, "  completed          %d in %.1f s (%d requests, %d errors; stored: %d)\n", res.Completed, res.RushSeconds, res.Requests, res.Errors, res.StoredCompleted)
	fmt.Fprintf(out, "  completions/s      %.0f (%.0f requests/s)\n", res.CompletionsSec, res.RequestsSec)
	fmt.Fprintf(out, "  request p50 / p99  %.1f ms / %.1f ms (open, start test, answer)\n", res.P50ms, res.P99ms)
	fmt.Fprintf(out, "  person p50 / p99   %.1f ms / %.1f ms (all three)\n", res.CompletionP50ms, res.CompletionP99ms)
	fmt.Fprintf(out, "  pages with %d completions loaded (p50 / max):\n", res.StoredCompleted)
	for _, p := range res.Pages {
		fmt.Fprintf(out, "    %-32s as %-15s %7.1f ms / %7.1f ms  %8d bytes\n", p.Path, p.As, p.P50, p.Max, p.Size)
	}
	fmt.Fprintf(out, "  slowest page       %s as %s: %.1f ms\n", res.Slowest.Path, res.Slowest.As, res.Slowest.P50)
	return nil
}

// runBenchDashboard times the home page of a staff member, a 課室 officer
// and the 統括, and the annual report, with --people in the organisation.
func runBenchDashboard(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "bench dashboard")
	dsn := fs.String("db", "", "database (default: a fresh SQLite file in a temporary folder)")
	people := fs.Int("people", 20000, "people in the generated organisation")
	items := fs.Int("items", 60, "items on every checklist")
	answered := fs.Int("answered", 10, "percent of the people who have answered and submitted")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *people < 1 || *items < 1 || *answered < 1 || *answered > 100 {
		return usageErr("--people and --items must be positive, --answered between 1 and 100")
	}
	var log io.Writer
	if !*asJSON {
		log = env.Stderr
	}
	res, err := bench.RunDashboard(ctx, bench.DashboardOptions{DSN: *dsn, People: *people, Items: *items, Answered: *answered, Log: log})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(env.Stdout).Encode(res)
	}
	fmt.Fprintf(env.Stdout, "dashboards with %d people × %d items (%d %% answered)\n", *people, *items, *answered)
	for _, r := range res {
		fmt.Fprintf(env.Stdout, "  %-8s %-28s %8d bytes  p50 %6.1f ms  max %6.1f ms\n", r.Reader, r.Page, r.Bytes, r.P50ms, r.MaxMs)
	}
	return nil
}

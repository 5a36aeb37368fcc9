// Package metrics exposes kitei's Prometheus metrics: HTTP requests by
// route pattern and status with latency histograms, store commit latency,
// the self-inspection group-commit batch sizes, background jobs run and
// failed, sign-ins and lockouts. /metrics is served either on a listen
// address of its own or behind a bearer token (see Handler).
package metrics

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds kitei's metrics (and the Go runtime and process ones).
var Registry = prometheus.NewRegistry()

var (
	requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kitei_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
	}, []string{"route", "method", "code"})
	latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "kitei_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route"})
	commits = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "kitei_store_commit_seconds", Help: "Latency of store write transactions, begin to durable commit.",
		Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1},
	})
	commitErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "kitei_store_commit_errors_total", Help: "Store write transactions that failed or rolled back.",
	})
	batches = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "kitei_selfcheck_group_commit_batch_size", Help: "Answers committed together by the self-inspection writer.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
	})
	jobsRun = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kitei_jobs_run_total", Help: "Background job runs by job.",
	}, []string{"job"})
	jobsFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kitei_jobs_failed_total", Help: "Background job runs that failed, by job.",
	}, []string{"job"})
	signIns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kitei_signins_total", Help: "Sign-in attempts by method (password, oidc) and result (ok, failed).",
	}, []string{"method", "result"})
	lockouts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "kitei_lockouts_total", Help: "Accounts locked after repeated failed sign-ins.",
	})
)

func init() {
	Registry.MustRegister(requests, latency, commits, commitErrors, batches, jobsRun, jobsFailed, signIns, lockouts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, m := range []string{"password", "oidc"} {
		for _, r := range []string{"ok", "failed"} {
			signIns.WithLabelValues(m, r)
		}
	}
}

// Commit records one store write transaction.
func Commit(d time.Duration, err error) {
	commits.Observe(d.Seconds())
	if err != nil {
		commitErrors.Inc()
	}
}

// Batch records the size of one group commit.
func Batch(n int) { batches.Observe(float64(n)) }

// Job records one run of a background job.
func Job(name string, err error) {
	jobsRun.WithLabelValues(name).Inc()
	if err != nil {
		jobsFailed.WithLabelValues(name).Inc()
	}
}

// SignIn records a sign-in attempt by method.
func SignIn(method string, ok bool) {
	r := "failed"
	if ok {
		r = "ok"
	}
	signIns.WithLabelValues(method, r).Inc()
}

// Lockout records an account lock.
func Lockout() { lockouts.Inc() }

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Middleware counts and times every request under the route pattern that
// pattern returns for it ("GET /catalogs/{id}"), so ids in paths do not
// create a label per record; unmatched requests count as "unmatched".
func Middleware(next http.Handler, pattern func(r *http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		route := pattern(r)
		if route == "" {
			route = "unmatched"
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			code := sw.code
			if code == 0 {
				code = http.StatusOK
			}
			requests.WithLabelValues(route, r.Method, strconv.Itoa(code)).Inc()
			latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(sw, r)
	})
}

// Handler serves the metrics in the Prometheus text format. With a token,
// a request must carry "Authorization: Bearer TOKEN" (compared in constant
// time); without one, serve it only on a listen address of its own.
func Handler(token string) http.Handler {
	h := promhttp.HandlerFor(Registry, promhttp.HandlerOpts{})
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kitei metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

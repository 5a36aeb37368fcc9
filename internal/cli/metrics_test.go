package cli_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"kitei/internal/cli"
)

// TestMetricsEndpoint runs serve with KITEI_METRICS_TOKEN, makes a few
// requests and a failed sign-in, and parses /metrics with the Prometheus
// text parser.
func TestMetricsEndpoint(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "k.db")
	var out, errb bytes.Buffer
	ready := make(chan string, 1)
	env := &cli.Env{Stdout: &out, Stderr: &errb, Ready: func(a string) { ready <- a },
		Getenv: func(k string) string {
			if k == "KITEI_METRICS_TOKEN" {
				return "s3cret-metrics"
			}
			return ""
		}}
	done := make(chan int, 1)
	go func() { done <- cli.Main(ctx, env, []string{"serve", "--addr", "127.0.0.1:0", "--db", dsn}) }()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, errb.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	base := "http://" + addr
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d", resp.StatusCode)
	}
	scrape := func() map[string]*dto.MetricFamily {
		req, _ := http.NewRequest("GET", base+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer s3cret-metrics")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := p.TextToMetricFamilies(resp.Body)
		if err != nil {
			t.Fatalf("parse /metrics: %v", err)
		}
		return fams
	}
	count := func(fams map[string]*dto.MetricFamily, fam string, labels map[string]string) float64 {
		var n float64
	next:
		for _, m := range fams[fam].GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue next
				}
			}
			n += value(m)
		}
		return n
	}
	// The registry is the process's: compare before and after.
	routeLabels := map[string]string{"route": "GET /catalogs/{id}", "code": "303"}
	failLabels := map[string]string{"method": "password", "result": "failed"}
	before := scrape()
	for _, p := range []string{"/healthz", "/login", "/catalogs/1", "/catalogs/2"} {
		resp, err := noRedirect.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err = noRedirect.PostForm(base+"/login", url.Values{"login": {"admin"}, "password": {"wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	fams := scrape()
	for _, name := range []string{"kitei_http_requests_total", "kitei_http_request_duration_seconds", "kitei_store_commit_seconds",
		"kitei_selfcheck_group_commit_batch_size", "kitei_signins_total", "kitei_lockouts_total", "kitei_jobs_run_total"} {
		if fams[name] == nil {
			t.Errorf("metric %s missing", name)
		}
	}
	if n := count(fams, "kitei_http_requests_total", routeLabels) - count(before, "kitei_http_requests_total", routeLabels); n != 2 {
		t.Errorf("requests by route pattern: %v, want 2", n)
	}
	for _, m := range fams["kitei_http_requests_total"].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == "route" && strings.Contains(lp.GetValue(), "/catalogs/1") {
				t.Errorf("a label per record: %s", lp.GetValue())
			}
		}
	}
	if n := count(fams, "kitei_signins_total", failLabels) - count(before, "kitei_signins_total", failLabels); n != 1 {
		t.Errorf("failed sign-ins: %v, want 1", n)
	}
	if n := fams["kitei_store_commit_seconds"].GetMetric()[0].GetHistogram().GetSampleCount(); n == 0 {
		t.Error("no store commit observed (the first administrator was created)")
	}
	cancel()
	<-done
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

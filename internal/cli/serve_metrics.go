package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"kitei/internal/metrics"
)

type metricsOpts struct {
	addr  *string
	token string
}

// metricsFlags: /metrics on its own listen address (--metrics-addr), or on
// the main address behind a bearer token (KITEI_METRICS_TOKEN); neither:
// no metrics.
func metricsFlags(fs *flag.FlagSet, env *Env) *metricsOpts {
	return &metricsOpts{
		addr: fs.String("metrics-addr", env.Getenv("KITEI_METRICS_ADDR"),
			"serve /metrics for Prometheus on this address of its own (env KITEI_METRICS_ADDR)"),
		token: env.Getenv("KITEI_METRICS_TOKEN"),
	}
}

// mount adds /metrics to h (token set) and starts the metrics listener
// (address set); it stops with ctx.
func (o *metricsOpts) mount(ctx context.Context, h http.Handler, logger *slog.Logger) (http.Handler, error) {
	if *o.addr != "" {
		ln, err := net.Listen("tcp", *o.addr)
		if err != nil {
			return nil, fmt.Errorf("metrics: listen on %s: %w", *o.addr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics.Handler(o.token))
		ms := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go ms.Serve(ln)
		go func() {
			<-ctx.Done()
			ms.Close()
		}()
		logger.Info("metrics listening", "addr", "http://"+ln.Addr().String()+"/metrics")
	}
	if o.token == "" || *o.addr != "" {
		return h, nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(o.token))
	mux.Handle("/", h)
	return mux, nil
}

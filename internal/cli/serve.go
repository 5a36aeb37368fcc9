package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"kitei/internal/app"
	"kitei/internal/demo"
	"kitei/internal/notify"
)

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := flags(env, "serve")
	dsn := dbFlag(fs, env)
	defAddr := env.Getenv("KITEI_ADDR")
	if defAddr == "" {
		defAddr = "127.0.0.1:8080"
	}
	addr := fs.String("addr", defAddr, "listen address (env KITEI_ADDR)")
	logLevel := fs.String("log-level", envOr(env, "KITEI_LOG_LEVEL", "info"), "debug, info, warn or error (env KITEI_LOG_LEVEL)")
	secureCookies := fs.Bool("secure-cookies", envBool(env, "KITEI_SECURE_COOKIES"),
		"mark the session cookie Secure even over plain HTTP, behind a TLS proxy (env KITEI_SECURE_COOKIES)")
	withDemo := fs.Bool("demo", false, "on an empty store, first fill in the demo organisation (see kitei demo)")
	mopt := metricsFlags(fs, env)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageErr("bad --log-level %q", *logLevel)
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	a := app.New(db, logger)
	defer a.Close()
	if err := bootstrapAdmin(ctx, env, a.Auth); err != nil {
		return err
	}
	if *withDemo {
		if empty, err := demo.Empty(ctx, a); err != nil {
			return err
		} else if empty {
			if err := fillDemo(ctx, env.Stdout, a, demo.Options{}); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
		}
	}
	var mailer notify.Mailer
	if m := notify.FromEnv(env.Getenv); m != nil {
		mailer = m
	}
	if err := a.Serve(ctx, mailer); err != nil {
		return err
	}
	srv, err := a.Web(app.WebOptions{SecureCookies: *secureCookies, Version: Version})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	handler, err := mopt.mount(ctx, srv.Handler(), logger)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	logger.Info("kitei listening", "addr", "http://"+ln.Addr().String(), "store", a.StoreName(), "version", Version)
	if env.Ready != nil {
		env.Ready(ln.Addr().String())
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

func envOr(env *Env, name, def string) string {
	if v := env.Getenv(name); v != "" {
		return v
	}
	return def
}

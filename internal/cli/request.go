package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"kitei/internal/approval"
	"kitei/internal/selfcheck"
	"kitei/internal/store"
)

// approvalService is the approval engine over db.
func approvalService(db *store.DB) *approval.Service {
	return approval.NewService(db.Approvals(), orgService(db), catalogService(db))
}

// approvalServe prepares the engine inside serve: the built-in request
// types are stored (never overwriting edited ones), e-mail goes through
// SMTP when KITEI_SMTP_ADDR and KITEI_SMTP_FROM are set, and the
// background jobs (activation, expiry, reminders, end-report chasing,
// overdue report) run every minute, claimed in the store so several
// replicas do each once.
func approvalServe(ctx context.Context, env *Env, svc *approval.Service, logger *slog.Logger) error {
	if svc == nil {
		return nil
	}
	if err := svc.EnsureBuiltinTypes(ctx); err != nil {
		return fmt.Errorf("request types: %w", err)
	}
	if addr, from := env.Getenv("KITEI_SMTP_ADDR"), env.Getenv("KITEI_SMTP_FROM"); addr != "" && from != "" {
		svc.Mailer = &selfcheck.SMTPMailer{Addr: addr, From: from,
			Username: env.Getenv("KITEI_SMTP_USER"), Password: env.Getenv("KITEI_SMTP_PASSWORD")}
	}
	svc.Logf = logger.Warn
	host, _ := os.Hostname()
	svc.StartJobs(ctx, fmt.Sprintf("%s:%d:approval", host, os.Getpid()), time.Minute, logger.Info)
	return nil
}

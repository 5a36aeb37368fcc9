package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"kitei/internal/notify"
	"kitei/internal/selfcheck"
)

// selfcheckServe completes self-inspection for `kitei serve`: reminders by
// e-mail when KITEI_SMTP_ADDR and KITEI_SMTP_FROM are set (KITEI_SMTP_USER
// and KITEI_SMTP_PASSWORD for PLAIN authentication), and the automatic
// reminder job, claimed in the store so several replicas send it once.
func selfcheckServe(ctx context.Context, env *Env, svc *selfcheck.Service, logger *slog.Logger) {
	if m := notify.FromEnv(env.Getenv); m != nil {
		svc.Mailer = m
	}
	host, _ := os.Hostname()
	svc.StartJobs(ctx, fmt.Sprintf("%s:%d", host, os.Getpid()), time.Minute, logger.Info)
}

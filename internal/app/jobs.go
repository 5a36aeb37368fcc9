package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"kitei/internal/notify"
)

// Job is one background task of a capability, run every Interval. Each
// run claims its work in the store, so several replicas do it once.
type Job struct {
	Name     string
	Interval time.Duration
	Start    func(ctx context.Context, owner string, interval time.Duration, logf func(msg string, args ...any))
}

// Jobs is every capability's background work.
func (a *App) Jobs() []Job {
	return []Job{
		{Name: "selfcheck", Interval: time.Minute, Start: a.Selfcheck.StartJobs},
		{Name: "approval", Interval: time.Minute, Start: a.Approval.StartJobs},
	}
}

// Serve prepares the services for a long-running server: the built-in
// request types are stored (never overwriting edited ones), mail goes out
// through mailer when there is one, and every job starts until ctx ends.
func (a *App) Serve(ctx context.Context, mailer notify.Mailer) error {
	if err := a.Approval.EnsureBuiltinTypes(ctx); err != nil {
		return fmt.Errorf("request types: %w", err)
	}
	if mailer != nil {
		a.Selfcheck.Mailer = mailer
		a.Approval.Mailer = mailer
	}
	a.Approval.Logf = a.Logger.Warn
	host, _ := os.Hostname()
	for _, j := range a.Jobs() {
		j.Start(ctx, fmt.Sprintf("%s:%d:%s", host, os.Getpid(), j.Name), j.Interval, a.Logger.Info)
	}
	return nil
}

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
	jobs := []Job{
		{Name: "selfcheck", Interval: time.Minute, Start: a.Selfcheck.StartJobs},
		{Name: "approval", Interval: time.Minute, Start: a.Approval.StartJobs},
	}
	for _, m := range a.Modules() {
		for _, j := range m.Jobs {
			jobs = append(jobs, Job{Name: j.Name, Interval: j.Interval, Start: j.Run})
		}
	}
	return jobs
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
	for _, m := range a.Modules() {
		if m.Serve != nil {
			if err := m.Serve(ctx, mailer); err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
		}
	}
	host, _ := os.Hostname()
	for _, j := range a.Jobs() {
		j.Start(ctx, fmt.Sprintf("%s:%d:%s", host, os.Getpid(), j.Name), j.Interval, a.Logger.Info)
	}
	return nil
}

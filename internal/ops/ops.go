// Package ops is kitei's operational capability: the background job that
// writes signed audit checkpoints to the folder the administrator chose.
package ops

import (
	"context"
	"os"
	"time"

	"kitei/internal/audit"
	"kitei/internal/audit/checkpoint"
	"kitei/internal/capability"
	"kitei/internal/metrics"
)

// Config says where checkpoints go and how often.
type Config struct {
	Dir     string        // checkpoint folder (KITEI_AUDIT_CHECKPOINTS)
	KeyFile string        // signing key, outside the store (KITEI_AUDIT_KEY)
	Every   time.Duration // KITEI_AUDIT_CHECKPOINT_EVERY, default 1h
}

// ConfigFromEnv reads Config from the environment.
func ConfigFromEnv(getenv func(string) string) Config {
	c := Config{Dir: getenv("KITEI_AUDIT_CHECKPOINTS"), KeyFile: getenv("KITEI_AUDIT_KEY"), Every: time.Hour}
	if d, err := time.ParseDuration(getenv("KITEI_AUDIT_CHECKPOINT_EVERY")); err == nil && d >= time.Minute {
		c.Every = d
	}
	return c
}

// Jobs claims a run in the shared jobs table so that one replica writes
// each checkpoint. store.Selfchecks implements it.
type Jobs interface {
	ClaimJob(ctx context.Context, key, owner string, now, leaseUntil time.Time) (bool, error)
	FinishJob(ctx context.Context, key, owner string, at time.Time) error
}

// Module is the ops capability: no pages; the job that disables the
// accounts of people who left, and the checkpoint job when configured.
func Module(st audit.Store, jobs Jobs, cfg Config, leavers func(context.Context) (int, error)) capability.Module {
	m := capability.Module{Name: "ops"}
	if leavers != nil {
		m.Jobs = append(m.Jobs, capability.Job{Name: "auth.leavers", Interval: 15 * time.Minute,
			Run: func(ctx context.Context, owner string, every time.Duration, logf func(string, ...any)) {
				go func() {
					t := time.NewTicker(every)
					defer t.Stop()
					for {
						n, err := leavers(ctx)
						metrics.Job("auth.leavers", err)
						if err != nil {
							logf("disabling accounts of leavers failed", "err", err)
						} else if n > 0 {
							logf("accounts of leavers disabled", "count", n)
						}
						select {
						case <-ctx.Done():
							return
						case <-t.C:
						}
					}
				}()
			}})
	}
	if cfg.Dir == "" || cfg.KeyFile == "" {
		return m
	}
	m.Jobs = append(m.Jobs, capability.Job{Name: "audit.checkpoint", Interval: cfg.Every,
		Run: func(ctx context.Context, owner string, every time.Duration, logf func(string, ...any)) {
			go func() {
				t := time.NewTicker(every)
				defer t.Stop()
				for {
					if err := RunCheckpoint(ctx, st, jobs, cfg, owner, time.Now()); err != nil {
						logf("audit checkpoint failed", "err", err)
					}
					select {
					case <-ctx.Done():
						return
					case <-t.C:
					}
				}
			}()
		}})
	return m
}

// RunCheckpoint writes the checkpoint of the period now falls in, unless
// another replica already did.
func RunCheckpoint(ctx context.Context, st audit.Store, jobs Jobs, cfg Config, owner string, now time.Time) (err error) {
	key := "audit.checkpoint:" + now.UTC().Truncate(cfg.Every).Format(time.RFC3339)
	won, err := jobs.ClaimJob(ctx, key, owner, now, now.Add(cfg.Every))
	if err != nil || !won {
		return err
	}
	defer func() { metrics.Job("audit.checkpoint", err) }()
	skey, err := os.ReadFile(cfg.KeyFile)
	if err != nil {
		return err
	}
	if _, err := checkpoint.Write(ctx, st, cfg.Dir, string(skey)); err != nil {
		return err
	}
	return jobs.FinishJob(ctx, key, owner, time.Now())
}

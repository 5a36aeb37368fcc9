package incident

import (
	"context"
	"fmt"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
)

// JobResult counts what one run of the jobs did.
type JobResult struct {
	Escalated int `json:"escalated"` // overdue authority notices escalated
}

// RunJobs escalates every authority notice still unsent after its due
// time: the CSIRT, the incident's owner and the CISO get an inbox notice
// and an e-mail, and the timeline records it. Each notice is escalated
// once: the work is claimed in the jobs table under the notice's key, so
// any number of replicas running at once escalate it once.
func (s *Service) RunJobs(ctx context.Context, owner string) (JobResult, error) {
	var res JobResult
	now := s.now()
	due, err := s.store.Unsent(ctx, now)
	if err != nil {
		return res, err
	}
	for _, n := range due {
		key := fmt.Sprintf("incident.escalate:%d", n.ID)
		won, err := s.store.ClaimJob(ctx, key, owner, now.UTC(), now.UTC().Add(10*time.Minute))
		if err != nil {
			return res, err
		}
		if !won {
			continue
		}
		hours := int(now.Sub(n.DueAt).Hours())
		msg := i18n.T(i18n.Ja, "incident.notice.overdue", n.IncidentID, n.IncidentTitle, n.Authority, n.Kind, n.DueAt.Format("2006-01-02 15:04"), hours)
		var ns []Notice
		seen := map[int64]bool{}
		add := func(p person) {
			if seen[p.ID] || p.ID == 0 {
				return
			}
			seen[p.ID] = true
			ns = append(ns, Notice{PersonID: p.ID, Email: p.Email, Kind: "incident.overdue", Ref: Ref(n.IncidentID), CreatedAt: now,
				Subject: i18n.T(i18n.Ja, "incident.mail.subject.overdue", n.IncidentID), Message: msg})
		}
		for _, role := range []string{authz.RoleCSIRTChief, authz.RoleCSIRTMember, authz.RoleCISO} {
			hs, err := s.holders(ctx, role, 0)
			if err != nil {
				return res, err
			}
			for _, h := range hs {
				add(h)
			}
		}
		if n.OwnerID != 0 {
			if o, err := s.org.Person(ctx, n.OwnerID); err == nil {
				add(person{ID: o.ID, Name: o.Name, Email: o.Email})
			}
		}
		e := Entry{IncidentID: n.IncidentID, At: now, ActorName: authz.System.Name, Kind: EntryEscalation,
			Body: i18n.T(i18n.Ja, "incident.tl.escalated", n.Authority, n.Kind, n.DueAt.Format("2006-01-02 15:04"))}
		if err := s.store.Escalate(ctx, key, owner, now, n, e, ns); err != nil {
			if apperr.Is(err, apperr.Conflict) {
				continue // another replica finished it
			}
			return res, err
		}
		s.mail(ctx, ns)
		res.Escalated++
	}
	return res, nil
}

// StartJobs runs RunJobs every interval until ctx ends.
func (s *Service) StartJobs(ctx context.Context, owner string, interval time.Duration, logf func(msg string, args ...any)) {
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if res, err := s.RunJobs(ctx, owner); err != nil && logf != nil && ctx.Err() == nil {
				logf("incident jobs", "err", err)
			} else if logf != nil && res.Escalated > 0 {
				logf("incident jobs", "escalated", res.Escalated)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

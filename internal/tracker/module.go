package tracker

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/httpx"
	"kitei/internal/i18n"
	"kitei/internal/notify"
	"kitei/internal/webui"
)

// StartJobs chases overdue actions every interval until ctx ends.
func (s *Service) StartJobs(ctx context.Context, owner string, interval time.Duration, logf func(msg string, args ...any)) {
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if n, err := s.RunJobs(ctx, owner); err != nil && logf != nil && ctx.Err() == nil {
				logf("tracker jobs", "err", err)
			} else if n > 0 && logf != nil {
				logf("tracker jobs", "chased", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Module is the improvement tracker's capability module.
func Module(svc *Service, kit *webui.Kit, people People) capability.Module {
	h := &handlers{svc: svc, kit: kit, org: people}
	return capability.Module{
		Name:     "tracker",
		Overview: svc.Overview(),
		Pages: []httpx.Route{
			{Method: "GET", Path: "/actions", Perm: Work, Handler: h.mine},
			{Method: "GET", Path: "/actions/unit", Perm: Follow, Handler: h.unit},
			{Method: "GET", Path: "/actions/new", Perm: Follow, Handler: h.newForm},
			{Method: "POST", Path: "/actions", Perm: Follow, Handler: h.create},
			{Method: "GET", Path: "/actions/export.xlsx", Perm: Follow, Handler: h.export},
			{Method: "GET", Path: "/actions/poam.json", Perm: Follow, Handler: h.poam},
			{Method: "GET", Path: "/actions/{id}", Perm: Work, Handler: h.show},
			{Method: "POST", Path: "/actions/{id}/progress", Perm: Work, Handler: h.post("progress", h.progress)},
			{Method: "POST", Path: "/actions/{id}/evidence", Perm: Work, Handler: h.attach},
			{Method: "GET", Path: "/actions/{id}/evidence/{file}", Perm: Work, Handler: h.file},
			{Method: "POST", Path: "/actions/{id}/done", Perm: Work, Handler: h.post("done", h.done)},
			{Method: "POST", Path: "/actions/{id}/confirm", Perm: Follow, Handler: h.post("confirmed", h.confirm)},
			{Method: "POST", Path: "/actions/{id}/reopen", Perm: Follow, Handler: h.post("reopened", h.reopen)},
			{Method: "POST", Path: "/actions/{id}/reassign", Perm: Follow, Handler: h.reassign},
		},
		API: []httpx.Route{
			{Method: "GET", Path: "/api/v1/actions", Perm: Work, Handler: h.apiList, Response: "TrackerActions", Summary: "Improvement actions: one's own and those of the units one follows, by due date (then id)",
				Params: []httpx.Param{{Name: "view", In: "query", Type: "string", Description: "mine: only one's own"},
					{Name: "kind", In: "query", Type: "string", Description: "source kind"}, {Name: "open", In: "query", Type: "string", Description: "1: not closed"},
					httpx.PageAfter,
					httpx.PageLimit(APIPageSize)}},
			{Method: "POST", Path: "/api/v1/actions", Perm: Follow, Handler: h.apiCreate, Body: "TrackerActionInput", Response: "TrackerAction", Summary: "File an improvement action for a unit one follows"},
			{Method: "GET", Path: "/api/v1/actions/poam", Perm: Follow, Handler: h.poam, Summary: "Open actions of the units one follows as an OSCAL plan of action and milestones"},
			{Method: "GET", Path: "/api/v1/actions/{id}", Perm: Work, Handler: h.apiGet, Response: "TrackerAction", Summary: "One action with progress and evidence"},
			{Method: "POST", Path: "/api/v1/actions/{id}/progress", Perm: Work, Body: "TrackerStepInput", Response: "TrackerAction", Summary: "Report progress (owner or follower)",
				Handler: h.apiStep(func(ctx context.Context, p *authz.Principal, id int64, in StepInput) (Action, error) {
					return svc.Report(ctx, p, id, in.On, in.Text)
				})},
			{Method: "POST", Path: "/api/v1/actions/{id}/done", Perm: Work, Body: "TrackerStepInput", Response: "TrackerAction", Summary: "Report the action done",
				Handler: h.apiStep(func(ctx context.Context, p *authz.Principal, id int64, in StepInput) (Action, error) {
					return svc.MarkDone(ctx, p, id, in.Text)
				})},
			{Method: "POST", Path: "/api/v1/actions/{id}/confirm", Perm: Follow, Body: "TrackerStepInput", Response: "TrackerAction", Summary: "Confirm a done action (not its owner)",
				Handler: h.apiStep(func(ctx context.Context, p *authz.Principal, id int64, in StepInput) (Action, error) {
					return svc.Confirm(ctx, p, id, in.Text)
				})},
			{Method: "POST", Path: "/api/v1/actions/{id}/evidence", Perm: Work, Handler: h.apiAttach, BodyType: "multipart/form-data", Response: "TrackerFile",
				Summary: "Attach an evidence file (field file; HTML, oversize and mismatched files refused)"},
			{Method: "GET", Path: "/api/v1/actions/{id}/evidence/{file}", Perm: Work, Handler: h.apiFile, Summary: "Download an evidence file (attachment)"},
		},
		Nav:       []webui.NavEntry{{Key: "tracker", Href: "/actions", Label: "nav.tracker", Order: 55, Perms: []authz.Permission{Work}}},
		Templates: &webui.Templates{FS: templateFiles, Pages: "templates/*.html"},
		Jobs:      []capability.Job{{Name: "tracker", Interval: time.Hour, Run: svc.StartJobs}},
		Serve: func(_ context.Context, m notify.Mailer) error {
			if m != nil {
				svc.Mailer = m
			}
			return nil
		},
		Matrix: func(ctx context.Context, f *capability.MatrixFixture) (map[string]capability.Target, error) {
			return svc.matrix(ctx, f)
		},
	}
}

func (h *handlers) poam(w http.ResponseWriter, r *http.Request) {
	acts, err := h.svc.Followed(r.Context(), principal(r), Filter{OpenOnly: true, SourceKind: SourceKind(r.URL.Query().Get("kind"))})
	if err != nil {
		httpx.WriteError(w, r, err, h.kit.Logger)
		return
	}
	var buf bytes.Buffer
	if err := WritePOAM(&buf, i18n.T(i18n.Ja, "tracker.title.unit"), acts, h.svc.now()); err != nil {
		httpx.WriteError(w, r, err, h.kit.Logger)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="poam.json"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

// matrix files an action in the own unit A1 (owned by the head of 部 A,
// so the matrix principals, who are all person A1, only see it as its
// unit's followers) and one in the foreign unit B, each with a file.
func (s *Service) matrix(ctx context.Context, f *capability.MatrixFixture) (map[string]capability.Target, error) {
	mk := func(unit, owner int64) (Action, File, error) {
		a, err := s.Create(ctx, authz.System, Action{Source: Source{Kind: FromReview, Label: "matrix"}, UnitID: unit,
			Title: "是正措置", OwnerID: owner, DueOn: "2027-03-31", Requirements: []Requirement{{CatalogID: f.CatalogID, Ref: "1"}}})
		if err != nil {
			return a, File{}, err
		}
		file, err := s.Attach(ctx, authz.System, a.ID, Upload{Name: "evidence.txt", Declared: "text/plain", Data: []byte("証跡")})
		return a, file, err
	}
	own, ownFile, err := mk(f.UnitA1.ID, f.PersonA)
	if err != nil {
		return nil, err
	}
	foreign, foreignFile, err := mk(f.UnitB.ID, f.PersonB)
	if err != nil {
		return nil, err
	}
	at := func(format string, ids ...func(Action, File) any) capability.Target {
		return capability.Target{Path: func(o bool) (string, string) {
			a, file, unit := own, ownFile, f.UnitA1.Path
			if !o {
				a, file, unit = foreign, foreignFile, f.UnitB.Path
			}
			args := []any{a.ID}
			if len(ids) > 0 {
				args = append(args, file.ID)
			}
			return fmt.Sprintf(format, args...), unit
		}}
	}
	withFile := func(Action, File) any { return nil }
	// Work routes on a record: its owner (nobody here) or a follower of its unit.
	follower := func(t capability.Target) capability.Target {
		t.Want = func(p *authz.Principal, o bool) bool {
			_, unit := t.Path(o)
			return p.CanIn(Follow, unit)
		}
		return t
	}
	create := capability.Target{Path: func(o bool) (string, string) {
		if o {
			return fmt.Sprintf("/actions?unit=%d", f.UnitA1.ID), f.UnitA1.Path
		}
		return fmt.Sprintf("/actions?unit=%d", f.UnitB.ID), f.UnitB.Path
	}}
	return map[string]capability.Target{
		"GET /actions":                             capability.Fixed("/actions"),
		"GET /actions/unit":                        capability.Fixed("/actions/unit"),
		"GET /actions/new":                         capability.Fixed("/actions/new"),
		"POST /actions":                            create,
		"GET /actions/export.xlsx":                 capability.Fixed("/actions/export.xlsx"),
		"GET /actions/poam.json":                   capability.Fixed("/actions/poam.json"),
		"GET /actions/{id}":                        follower(at("/actions/%d")),
		"POST /actions/{id}/progress":              follower(at("/actions/%d/progress")),
		"POST /actions/{id}/evidence":              follower(at("/actions/%d/evidence")),
		"GET /actions/{id}/evidence/{file}":        follower(at("/actions/%d/evidence/%d", withFile)),
		"POST /actions/{id}/done":                  follower(at("/actions/%d/done")),
		"POST /actions/{id}/confirm":               at("/actions/%d/confirm"),
		"POST /actions/{id}/reopen":                at("/actions/%d/reopen"),
		"POST /actions/{id}/reassign":              at("/actions/%d/reassign"),
		"GET /api/v1/actions":                      capability.Fixed("/api/v1/actions"),
		"POST /api/v1/actions":                     capability.Fixed("/api/v1/actions"),
		"GET /api/v1/actions/poam":                 capability.Fixed("/api/v1/actions/poam"),
		"GET /api/v1/actions/{id}":                 follower(at("/api/v1/actions/%d")),
		"POST /api/v1/actions/{id}/progress":       follower(at("/api/v1/actions/%d/progress")),
		"POST /api/v1/actions/{id}/done":           follower(at("/api/v1/actions/%d/done")),
		"POST /api/v1/actions/{id}/confirm":        at("/api/v1/actions/%d/confirm"),
		"POST /api/v1/actions/{id}/evidence":       follower(at("/api/v1/actions/%d/evidence")),
		"GET /api/v1/actions/{id}/evidence/{file}": follower(at("/api/v1/actions/%d/evidence/%d", withFile)),
	}, nil
}

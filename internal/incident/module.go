package incident

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"time"

	"kitei/internal/authz"
	"kitei/internal/capability"
	"kitei/internal/httpx"
	"kitei/internal/notify"
	"kitei/internal/webui"
)

//go:embed templates/*.html templates/partials/*.html
var templateFiles embed.FS

// pageParams are the keyset paging parameters of the API's lists (see
// internal/paging); the next page's cursor comes in X-Next-Cursor, in the
// Link header (rel="next") and, in an object, in "next".
var pageParams = httpx.PageParams(APIPageSize)

// ledgerParams are the ledger's filters and paging.
var ledgerParams = append([]httpx.Param{
	{Name: "from", In: "query", Type: "string", Description: "reported on or after this day (YYYY-MM-DD)"},
	{Name: "to", In: "query", Type: "string", Description: "reported on or before this day (YYYY-MM-DD)"},
	{Name: "level", In: "query", Type: "integer", Description: "level (-1: not yet triaged)"},
	{Name: "category", In: "query", Type: "string", Description: "category key"},
	{Name: "unit", In: "query", Type: "integer", Description: "unit id: the unit and the units below it"},
	{Name: "state", In: "query", Type: "string", Description: "open or closed (closed or dismissed); absent: both"},
}, pageParams...)

func withParams(r httpx.Route, ps ...httpx.Param) httpx.Route {
	r.Params = ps
	return r
}

// Module is the incident capability for the composition root.
func Module(svc *Service, kit *webui.Kit) capability.Module {
	pg := &pages{svc: svc, kit: kit}
	api := &apiHandlers{svc: svc, kit: kit}
	route := func(method, path string, perm authz.Permission, h http.HandlerFunc) httpx.Route {
		return httpx.Route{Method: method, Path: path, Perm: perm, Handler: h}
	}
	apiRoute := func(method, path string, perm authz.Permission, summary, body, resp string, h http.HandlerFunc) httpx.Route {
		return httpx.Route{Method: method, Path: path, Perm: perm, Summary: summary, Body: body, Response: resp, Handler: h}
	}
	return capability.Module{
		Name:     "incident",
		Overview: svc.Overview(),
		Pages: []httpx.Route{
			route("GET", "/incidents", Report, pg.index),
			route("GET", "/incidents/new", Report, pg.newForm),
			route("POST", "/incidents", Report, pg.create),
			route("GET", "/incidents/{id}", Report, pg.show),
			route("POST", "/incidents/{id}/triage", Handle, pg.act("triaged", pg.triage)),
			route("POST", "/incidents/{id}/timeline", Report, pg.act("recorded", pg.record)),
			route("POST", "/incidents/{id}/tasks", Handle, pg.act("assigned", pg.assign)),
			route("POST", "/incidents/{id}/tasks/{tid}", Report, pg.act("answered", pg.answer)),
			route("POST", "/incidents/{id}/notices/{nid}", Handle, pg.act("sent", pg.sent)),
			route("POST", "/incidents/{id}/recurrence", Report, pg.act("recurrence", pg.recurrence)),
			route("POST", "/incidents/{id}/measures", Oversee, pg.act("measure", pg.measure)),
			route("POST", "/incidents/{id}/measures/{mid}", Report, pg.act("measure_updated", pg.measureUpdate)),
			route("POST", "/incidents/{id}/close", Handle, pg.act("closed", pg.close)),
			route("GET", "/incidents/{id}/timeline.xlsx", Report, pg.timelineXLSX),
			route("GET", "/incidents/{id}/print", Report, pg.print),
			route("GET", "/incidents/ledger", Ledger, pg.ledger),
			route("GET", "/incidents/ledger.xlsx", Ledger, pg.ledgerXLSX),
			route("GET", "/incidents/contacts", Report, pg.contacts),
			route("GET", "/incidents/contacts.xlsx", Report, pg.contactsXLSX),
			route("GET", "/incidents/procedures", Report, pg.procedures),
			route("GET", "/incidents/lessons", Report, pg.lessons),
			route("GET", "/incidents/config", Configure, pg.configPage),
			route("POST", "/incidents/config", Configure, pg.configSave),
			route("GET", "/incident-report", authz.Public, pg.externalForm),
			route("POST", "/incident-report", authz.Public, pg.externalCreate),
		},
		API: []httpx.Route{
			withParams(apiRoute("GET", "/api/v1/incidents", Ledger, "インシデント台帳 (filters: from, to, level, category, unit, state=open|closed), newest first; stats cover every incident the filters select", "", "IncidentLedger", api.list), ledgerParams...),
			apiRoute("POST", "/api/v1/incidents", Report, "Report a possible incident", "IncidentInput", "IncidentStatus", api.create),
			withParams(apiRoute("GET", "/api/v1/incidents/mine", Report, "The status of one's own reports, newest first", "", "", api.mine), pageParams...),
			apiRoute("GET", "/api/v1/incidents/config", Ledger, "Levels, categories and notice rules", "", "", api.config),
			apiRoute("GET", "/api/v1/incidents/contacts", Report, "Emergency contact list (緊急連絡網); unit= narrows it", "", "", api.contacts),
			apiRoute("GET", "/api/v1/incidents/{id}", Report, "One incident (its reporter sees the status only)", "", "IncidentDetail", api.get),
			apiRoute("GET", "/api/v1/incidents/{id}/timeline", Report, "The incident's timeline", "", "", api.timeline),
			apiRoute("POST", "/api/v1/incidents/{id}/timeline", Report, "Append a timeline entry (note, decision, contact, instruction, correction)", "IncidentEntry", "", api.record),
			apiRoute("POST", "/api/v1/incidents/{id}/triage", Handle, "Triage a report (CSIRT)", "IncidentTriage", "", api.triage),
			apiRoute("POST", "/api/v1/incidents/{id}/notices/{nid}/sent", Handle, "Record an authority notice as sent", "IncidentSent", "", api.sent),
			apiRoute("POST", "/api/v1/incidents/{id}/tasks", Handle, "Give a person a task on the incident", "IncidentTaskInput", "", api.task()),
			apiRoute("POST", "/api/v1/incidents/{id}/recurrence", Report, "File the cause and recurrence-prevention report", "IncidentRecurrence", "", api.recurrence()),
			apiRoute("POST", "/api/v1/incidents/{id}/measures", Oversee, "Order a measure (owner, due date): a tracked action", "IncidentMeasure", "", api.measure()),
			withParams(apiRoute("GET", "/api/v1/incidents/lessons", Report, "Lessons learned published to all staff, newest incident first", "", "", api.lessons), pageParams...),
			apiRoute("POST", "/api/v1/incidents/{id}/close", Handle, "Close an incident after the recurrence-prevention report", "IncidentClose", "", api.close),
		},
		Nav:       []webui.NavEntry{{Key: "incidents", Href: "/incidents", Label: "incident.nav", Order: 70, Perms: []authz.Permission{Report, Handle, Oversee}}},
		Templates: &webui.Templates{FS: templateFiles, Pages: "templates/*.html", Partials: "templates/partials/*.html", Funcs: funcs()},
		Jobs:      []capability.Job{{Name: "incident", Interval: time.Minute, Run: svc.StartJobs}},
		Serve: func(ctx context.Context, mailer notify.Mailer) error {
			if mailer != nil {
				svc.Mailer = mailer
			}
			svc.Logf = kit.Logger.Warn
			return svc.EnsureConfig(ctx)
		},
		Matrix: func(ctx context.Context, f *capability.MatrixFixture) (map[string]capability.Target, error) {
			return matrix(ctx, svc, f)
		},
	}
}

// EnsureConfig stores the default configuration when none is stored, so
// that it can be seen and changed.
func (s *Service) EnsureConfig(ctx context.Context) error {
	if _, ok, err := s.store.Config(ctx); err != nil || ok {
		return err
	}
	return s.store.SaveConfig(ctx, Defaults(), s.now())
}

// matrix builds two incidents on the fixture: one reported in the
// principals' own unit A1 by their own person (who, as A1's 課室 officer,
// also gets the containment task and a measure), and one in the foreign
// unit B by B's person. Both are triaged, reported on and given a measure.
func matrix(ctx context.Context, svc *Service, f *capability.MatrixFixture) (map[string]capability.Target, error) {
	type rec struct{ id, task, notice, measure int64 }
	build := func(person int64, unit capability.Unit) (rec, error) {
		var r rec
		p := &authz.Principal{PersonID: person, UnitPath: unit.Path, Grants: []authz.Grant{{Role: authz.RoleStaff, UnitPath: unit.Path}}}
		x, err := svc.File(ctx, p, Input{Title: "USBメモリ紛失", What: "matrix", Personal: PersonalYes, PersonalCount: 3})
		if err != nil {
			return r, err
		}
		r.id = x.ID
		if _, err := svc.Triage(ctx, authz.System, x.ID, TriageInput{Incident: true, Reason: "matrix", Level: 2, Category: "leak"}); err != nil {
			return r, err
		}
		if _, err := svc.FileRecurrence(ctx, authz.System, x.ID, "matrix", "matrix"); err != nil {
			return r, err
		}
		m, err := svc.AddMeasure(ctx, authz.System, x.ID, "matrix", person, "2030-01-01")
		if err != nil {
			return r, err
		}
		r.measure = m.ID
		d, err := svc.Get(ctx, authz.System, x.ID)
		if err != nil {
			return r, err
		}
		for _, t := range d.Tasks {
			if t.PersonID == person {
				r.task = t.ID
			}
		}
		if len(d.Notices) == 0 || r.task == 0 {
			return r, fmt.Errorf("incident matrix: no notice or task on incident %d", x.ID)
		}
		r.notice = d.Notices[0].ID
		return r, nil
	}
	own, err := build(f.PersonA1, f.UnitA1)
	if err != nil {
		return nil, err
	}
	foreign, err := build(f.PersonB, f.UnitB)
	if err != nil {
		return nil, err
	}
	// Incidents are not unit-scoped: the own one is the principal's own
	// report, task and measure; the foreign one is somebody else's.
	on := func(format string, pick func(rec) []any) capability.Target {
		return capability.Target{Path: func(isOwn bool) (string, string) {
			r := foreign
			if isOwn {
				r = own
			}
			return fmt.Sprintf(format, pick(r)...), ""
		}}
	}
	id := func(r rec) []any { return []any{r.id} }
	seerOrOwn := func(p *authz.Principal, isOwn bool) bool { return isOwn || seer(p) }
	withWant := func(t capability.Target, want func(*authz.Principal, bool) bool) capability.Target {
		t.Want = want
		return t
	}
	return map[string]capability.Target{
		"GET /incidents":                                 capability.Fixed("/incidents"),
		"GET /incidents/new":                             capability.Fixed("/incidents/new"),
		"POST /incidents":                                capability.Fixed("/incidents"),
		"GET /incidents/{id}":                            withWant(on("/incidents/%d", id), seerOrOwn),
		"POST /incidents/{id}/triage":                    on("/incidents/%d/triage", id),
		"POST /incidents/{id}/timeline":                  withWant(on("/incidents/%d/timeline", id), seerOrOwn),
		"POST /incidents/{id}/tasks":                     on("/incidents/%d/tasks", id),
		"POST /incidents/{id}/tasks/{tid}":               withWant(on("/incidents/%d/tasks/%d", func(r rec) []any { return []any{r.id, r.task} }), func(_ *authz.Principal, isOwn bool) bool { return isOwn }),
		"POST /incidents/{id}/notices/{nid}":             on("/incidents/%d/notices/%d", func(r rec) []any { return []any{r.id, r.notice} }),
		"POST /incidents/{id}/recurrence":                withWant(on("/incidents/%d/recurrence", id), func(p *authz.Principal, isOwn bool) bool { return isOwn || p.Can(Handle) }),
		"POST /incidents/{id}/measures":                  on("/incidents/%d/measures", id),
		"POST /incidents/{id}/measures/{mid}":            withWant(on("/incidents/%d/measures/%d", func(r rec) []any { return []any{r.id, r.measure} }), seerOrOwn),
		"POST /incidents/{id}/close":                     on("/incidents/%d/close", id),
		"GET /incidents/{id}/timeline.xlsx":              withWant(on("/incidents/%d/timeline.xlsx", id), seerOrOwn),
		"GET /incidents/{id}/print":                      withWant(on("/incidents/%d/print", id), seerOrOwn),
		"GET /incidents/ledger":                          capability.Fixed("/incidents/ledger"),
		"GET /incidents/ledger.xlsx":                     capability.Fixed("/incidents/ledger.xlsx"),
		"GET /incidents/contacts":                        capability.Fixed("/incidents/contacts"),
		"GET /incidents/contacts.xlsx":                   capability.Fixed("/incidents/contacts.xlsx"),
		"GET /incidents/procedures":                      capability.Fixed("/incidents/procedures"),
		"GET /incidents/lessons":                         capability.Fixed("/incidents/lessons"),
		"GET /incidents/config":                          capability.Fixed("/incidents/config"),
		"POST /incidents/config":                         capability.Fixed("/incidents/config"),
		"GET /api/v1/incidents":                          capability.Fixed("/api/v1/incidents"),
		"POST /api/v1/incidents":                         capability.Fixed("/api/v1/incidents"),
		"GET /api/v1/incidents/mine":                     capability.Fixed("/api/v1/incidents/mine"),
		"GET /api/v1/incidents/config":                   capability.Fixed("/api/v1/incidents/config"),
		"GET /api/v1/incidents/contacts":                 capability.Fixed("/api/v1/incidents/contacts"),
		"GET /api/v1/incidents/{id}":                     withWant(on("/api/v1/incidents/%d", id), seerOrOwn),
		"GET /api/v1/incidents/{id}/timeline":            withWant(on("/api/v1/incidents/%d/timeline", id), seerOrOwn),
		"POST /api/v1/incidents/{id}/timeline":           withWant(on("/api/v1/incidents/%d/timeline", id), seerOrOwn),
		"POST /api/v1/incidents/{id}/triage":             on("/api/v1/incidents/%d/triage", id),
		"POST /api/v1/incidents/{id}/notices/{nid}/sent": on("/api/v1/incidents/%d/notices/%d/sent", func(r rec) []any { return []any{r.id, r.notice} }),
		"POST /api/v1/incidents/{id}/close":              on("/api/v1/incidents/%d/close", id),
		"POST /api/v1/incidents/{id}/tasks":              on("/api/v1/incidents/%d/tasks", id),
		"POST /api/v1/incidents/{id}/recurrence":         withWant(on("/api/v1/incidents/%d/recurrence", id), func(p *authz.Principal, isOwn bool) bool { return isOwn || p.Can(Handle) }),
		"POST /api/v1/incidents/{id}/measures":           on("/api/v1/incidents/%d/measures", id),
		"GET /api/v1/incidents/lessons":                  capability.Fixed("/api/v1/incidents/lessons"),
	}, nil
}

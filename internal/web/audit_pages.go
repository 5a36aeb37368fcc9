package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/i18n"
	"kitei/internal/paging"
	"kitei/internal/webui"
)

// auditPageSize is how many entries one page of /audit shows.
const auditPageSize = 50

// auditCountMax is how far the page counts a selection of the trail; the
// whole trail is counted from its numbering, at no cost.
const auditCountMax = 10000

// auditQuery is the filter form as typed, kept for the form and the links.
type auditQuery struct {
	Actor, Action, ObjectType, ObjectID string
	From, To                            string // dates, 2026-04-01, both inclusive
}

func readAuditQuery(r *http.Request) auditQuery {
	q := r.URL.Query()
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return auditQuery{Actor: get("actor"), Action: get("action"), ObjectType: get("object_type"),
		ObjectID: get("object_id"), From: get("from"), To: get("to")}
}

// filter turns the form into a store filter; dates are in the server's zone.
func (q auditQuery) filter() (audit.Filter, error) {
	f := audit.Filter{Actor: q.Actor, Action: q.Action, ObjectType: q.ObjectType, ObjectID: q.ObjectID}
	for _, d := range []struct {
		in  string
		out *time.Time
		end bool
	}{{q.From, &f.From, false}, {q.To, &f.To, true}} {
		if d.in == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.in, time.Local)
		if err != nil {
			return f, apperr.E(apperr.BadRequest, "audit.err.bad_date", d.in)
		}
		if d.end {
			t = t.AddDate(0, 0, 1) // the whole last day
		}
		*d.out = t
	}
	return f, nil
}

// values encodes the filter for links (empty fields left out).
func (q auditQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"actor": q.Actor, "action": q.Action, "object_type": q.ObjectType,
		"object_id": q.ObjectID, "from": q.From, "to": q.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// auditRow is one entry as the page shows it.
type auditRow struct {
	audit.Event
	Time        string
	Who         string // the actor, "system" translated
	ActionLabel string
	Object      string
}

type auditVerifyView struct {
	OK      bool
	Message string
	Head    string
}

type auditListData struct {
	Query     auditQuery
	Filtered  bool
	Rows      []auditRow
	Total     int64
	More      bool // more than Total match (a selection is counted up to auditCountMax)
	Pager     webui.Pager
	CSVURL    string
	VerifyURL string
	Verify    *auditVerifyView
}

// auditList shows the trail, newest first, with filters, keyset paging
// (?after= names the last entry shown by its number) and, on request, the
// integrity check (it reads the whole trail, so it runs only when asked).
func (s *Server) auditList(w http.ResponseWriter, r *http.Request) {
	if s.Audit == nil {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	q := readAuditQuery(r)
	d := auditListData{Query: q}
	p := s.newPage(r, "audit.title", &d)
	p.Nav = "audit"
	status := http.StatusOK
	f, err := q.filter()
	if err != nil {
		p.Error = p.T("audit.filter.baddate")
		status = http.StatusBadRequest
		q.From, q.To, f.From, f.To = "", "", time.Time{}, time.Time{}
	}
	d.Filtered = q != auditQuery{}
	req, err := paging.FromQuery(r.URL.Query(), auditPageSize)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	ctx := r.Context()
	// Counting a selection costs as much as reading it: up to a bound.
	if f.Filtered() {
		f.Limit = auditCountMax + 1
	}
	if d.Total, err = s.Audit.Count(ctx, f); err != nil {
		s.failErr(w, r, err)
		return
	}
	total := int(d.Total)
	if d.Total > auditCountMax {
		d.Total, d.More, total = auditCountMax, true, -1
	}
	f.After, f.Limit = req.After, req.Fetch()
	evs, err := s.Audit.List(ctx, f)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	evs, next := paging.Cut(evs, req, f.Cursor)
	for _, e := range evs {
		d.Rows = append(d.Rows, auditRowOf(p.Lang, e))
	}
	d.Pager = webui.NewPager(r, next, "trail", len(d.Rows), total)
	d.Pager.Label = p.T("audit.pages")
	here := q.values()
	if after := r.URL.Query().Get("after"); after != "" {
		here.Set("after", after)
	}
	here.Set("verify", "1")
	d.VerifyURL = "/audit?" + here.Encode() + "#verify"
	d.CSVURL = "/audit.csv"
	if v := q.values(); len(v) > 0 {
		d.CSVURL += "?" + v.Encode()
	}
	if r.URL.Query().Get("verify") != "" {
		res, err := audit.Verify(ctx, s.Audit)
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		d.Verify = verifyView(p.Lang, res)
	}
	s.render(w, r, status, "audit", p)
}

func auditRowOf(lang i18n.Lang, e audit.Event) auditRow {
	row := auditRow{Event: e, Time: e.At.Local().Format("2006-01-02 15:04:05"), Who: e.Actor, Object: e.ObjectType}
	if e.ObjectID != "" {
		row.Object += " " + e.ObjectID
	}
	key := "audit.action." + e.Action
	if label := i18n.T(lang, key); label != key {
		row.ActionLabel = label
	}
	if e.Actor == audit.SystemActor {
		row.Who = i18n.T(lang, "audit.system")
	}
	return row
}

// verifyView says in the user's language what Verify found.
func verifyView(lang i18n.Lang, res audit.Result) *auditVerifyView {
	v := &auditVerifyView{OK: res.OK, Head: i18n.T(lang, "audit.verify.head", res.Head.Seq, res.Head.Hash)}
	if res.OK {
		v.Message = i18n.T(lang, "audit.verify.ok", res.Entries)
		return v
	}
	var what string
	key := "audit.problem." + string(res.Problem)
	switch res.Problem {
	case audit.Deleted, audit.Truncated:
		if res.Seq == res.LastMissing {
			what = i18n.T(lang, key+".one")
		} else {
			what = i18n.T(lang, key, res.Seq, res.LastMissing)
		}
	case audit.Reordered:
		what = i18n.T(lang, key, res.WrittenAs)
	default:
		what = i18n.T(lang, key)
	}
	if res.Problem == audit.NoHead {
		v.Message, v.Head = what, ""
		return v
	}
	v.Message = i18n.T(lang, "audit.verify.broken", res.Seq, what)
	return v
}

// auditCSV exports the selected entries, oldest first, as CSV with a UTF-8
// byte-order mark so Excel shows Japanese text correctly. The export is
// itself recorded in the trail.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request) {
	if s.Audit == nil {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	q := readAuditQuery(r)
	f, err := q.filter()
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "audit.filter.baddate")
		return
	}
	ctx := r.Context()
	evs, err := s.Audit.List(ctx, f)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	slices.Reverse(evs)
	// Recorded before the download: the trail leaving kitei is worth an entry.
	if err := audit.NewRecorder(s.Audit).Record(ctx, audit.Event{
		Action: "audit.export", ObjectType: "audit",
		Detail: audit.Details(map[string]any{"filter": q.values().Encode(), "entries": len(evs), "format": "csv"}),
	}); err != nil {
		s.failErr(w, r, err)
		return
	}
	name := "kitei-audit-" + time.Now().Format("20060102-150405") + ".csv"
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	cw, err := audit.NewCSVWriter(w, true)
	if err != nil {
		return // the client went away
	}
	for _, e := range evs {
		if err := cw.Write(e); err != nil {
			return
		}
	}
	if err := cw.Close(); err != nil {
		s.Logger.Warn("audit csv", "err", err)
	}
}

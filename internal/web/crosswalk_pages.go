package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/crosswalk"
)

// Crosswalk pages: choose two catalogs, review suggested links side by side
// (confirm, reject, pick another target, confirm in bulk above a score),
// the coverage-gap report with its xlsx download, and the edition diff.
// Every form posts and redirects back; nothing needs JavaScript.

const reviewPageSize = 20

// withCrosswalk answers 404 when the server runs without the crosswalk.
func (s *Server) withCrosswalk(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Crosswalk == nil {
			s.fail(w, r, http.StatusNotFound, "error.notfound")
			return
		}
		h(w, r)
	}
}

type crosswalkIndexData struct {
	Catalogs []catalog.Catalog
	Editions map[int64][]catalog.Edition
}

func (s *Server) crosswalkIndex(w http.ResponseWriter, r *http.Request) {
	cats, err := s.Catalogs.List(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := crosswalkIndexData{Catalogs: cats, Editions: map[int64][]catalog.Edition{}}
	for _, c := range cats {
		if c.Latest.Number > 1 {
			eds, err := s.Catalogs.Editions(r.Context(), c.ID)
			if err != nil {
				s.failErr(w, r, err)
				return
			}
			d.Editions[c.ID] = eds
		}
	}
	p := s.newPage(r, "crosswalk.title", d)
	p.Nav = "crosswalk"
	s.render(w, r, http.StatusOK, "crosswalk_index", p)
}

// editionParam reads an ID or ID@EDITION query or form value.
func editionParam(r *http.Request, name string) (crosswalk.EditionRef, error) {
	v := strings.TrimSpace(r.FormValue(name))
	if v == "" {
		return crosswalk.EditionRef{}, apperr.E(apperr.BadRequest, "crosswalk.err.choose_catalog", name)
	}
	return crosswalk.ParseEditionRef(v)
}

// reviewTarget is one candidate on the right-hand side of the review page.
type reviewTarget struct {
	Ref    string
	Node   catalog.Node
	Score  float64
	LinkID int64  // 0 for a live suggestion not stored yet
	Status string // suggested, confirmed, rejected
	Kind   string
	Note   string
	By     string
}

type reviewRow struct {
	Node    catalog.Node
	Targets []reviewTarget
}

type crosswalkReviewData struct {
	From, To       crosswalk.Side
	FromArg, ToArg string
	Rows           []reviewRow
	Page, Pages    int
	PrevURL        string
	NextURL        string
	Back           string
	Kinds          []string
	Confirmed      int
	Requirements   int
	CanWrite       bool
	ToRefs         []string
}

func (s *Server) crosswalkReview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	fromRef, err := editionParam(r, "from")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	toRef, err := editionParam(r, "to")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	from, err := s.Crosswalk.Resolve(ctx, fromRef)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	to, err := s.Crosswalk.Resolve(ctx, toRef)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	links, err := s.Crosswalk.Links(ctx, crosswalk.Filter{FromEdition: from.Edition.ID, ToEdition: to.Edition.ID})
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	live := crosswalk.Suggest(from.Nodes, to.Nodes, crosswalk.Options{Top: 3})
	toBy := to.ByRef()

	stored := map[string][]crosswalk.Link{}
	confirmed := map[string]bool{}
	for _, l := range links {
		stored[l.FromRef] = append(stored[l.FromRef], l)
		if l.Status == crosswalk.StatusConfirmed {
			confirmed[l.FromRef] = true
		}
	}
	liveBy := map[string][]crosswalk.Suggestion{}
	for _, sg := range live {
		liveBy[sg.From] = append(liveBy[sg.From], sg)
	}
	var reqs []catalog.Node
	for _, n := range from.Nodes {
		if n.Requirement {
			reqs = append(reqs, n)
		}
	}
	d := crosswalkReviewData{From: from, To: to, FromArg: fromRef.String(), ToArg: toRef.String(),
		Kinds: crosswalk.Kinds, Requirements: len(reqs), Confirmed: len(confirmed), CanWrite: s.canWrite(r)}
	for _, n := range to.Nodes {
		if n.Requirement {
			d.ToRefs = append(d.ToRefs, n.Ref)
		}
	}
	d.Pages = max(1, (len(reqs)+reviewPageSize-1)/reviewPageSize)
	d.Page, _ = strconv.Atoi(r.FormValue("page"))
	d.Page = min(max(d.Page, 1), d.Pages)
	q := url.Values{"from": {d.FromArg}, "to": {d.ToArg}}
	pageURL := func(n int) string {
		q.Set("page", strconv.Itoa(n))
		return "/crosswalk/review?" + q.Encode()
	}
	d.Back = pageURL(d.Page)
	if d.Page > 1 {
		d.PrevURL = pageURL(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextURL = pageURL(d.Page + 1)
	}
	start := (d.Page - 1) * reviewPageSize
	for _, n := range reqs[start:min(start+reviewPageSize, len(reqs))] {
		row := reviewRow{Node: n}
		seen := map[string]bool{}
		for _, l := range stored[n.Ref] {
			seen[l.ToRef] = true
			row.Targets = append(row.Targets, reviewTarget{Ref: l.ToRef, Node: toBy[l.ToRef], Score: l.Score,
				LinkID: l.ID, Status: l.Status, Kind: l.Kind, Note: l.Note, By: l.ConfirmedBy})
		}
		for _, sg := range liveBy[n.Ref] {
			if !seen[sg.To] {
				row.Targets = append(row.Targets, reviewTarget{Ref: sg.To, Node: toBy[sg.To], Score: sg.Score,
					Status: crosswalk.StatusSuggested, Kind: crosswalk.KindDerivedFrom})
			}
		}
		d.Rows = append(d.Rows, row)
	}
	p := s.newPage(r, "crosswalk.review.title", d)
	p.Nav = "crosswalk"
	switch {
	case r.FormValue("done") != "":
		p.Flash = p.T("crosswalk.flash.saved")
	case r.FormValue("bulk") != "":
		n, _ := strconv.Atoi(r.FormValue("bulk"))
		p.Flash = p.T("crosswalk.flash.bulk", n)
	}
	s.render(w, r, http.StatusOK, "crosswalk_review", p)
}

// canWrite says whether the signed-in person may change links (the review
// page hides its forms otherwise).
func (s *Server) canWrite(r *http.Request) bool {
	p := authz.From(r.Context())
	return p != nil && p.Can(authz.CrosswalkWrite)
}

// backTo redirects to the page the form came from, marked done.
func backTo(w http.ResponseWriter, r *http.Request, extra string) {
	back := safeNext(r.FormValue("back"))
	if back == "/" {
		back = "/crosswalk"
	}
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	http.Redirect(w, r, back+sep+extra, http.StatusSeeOther)
}

// crosswalkLinkPost records a person's decision on a pair: a live
// suggestion confirmed or rejected, or another target picked by ref.
func (s *Server) crosswalkLinkPost(w http.ResponseWriter, r *http.Request) {
	from, err := editionParam(r, "from")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	to, err := editionParam(r, "to")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	score, _ := strconv.ParseFloat(r.FormValue("score"), 64)
	if score < 0 || score > 1 {
		score = 0
	}
	_, err = s.Crosswalk.Pick(r.Context(), from, to, r.FormValue("from_ref"), strings.TrimSpace(r.FormValue("to_ref")),
		r.FormValue("kind"), r.FormValue("status"), r.FormValue("note"), score)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	backTo(w, r, "done=1")
}

// crosswalkLinkUpdate confirms or rejects a stored link.
func (s *Server) crosswalkLinkUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if _, err := s.Crosswalk.Review(r.Context(), id, r.FormValue("status"), r.FormValue("kind"), r.FormValue("note")); err != nil {
		s.failErr(w, r, err)
		return
	}
	backTo(w, r, "done=1")
}

// crosswalkBulk stores the current suggestions and confirms those scoring
// at least the given score.
func (s *Server) crosswalkBulk(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	from, err := editionParam(r, "from")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	to, err := editionParam(r, "to")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	minScore, err := strconv.ParseFloat(r.FormValue("min"), 64)
	if err != nil || minScore <= 0 || minScore > 1 {
		s.failErr(w, r, apperr.E(apperr.BadRequest, "crosswalk.err.score_bulk_confirmation_lies_between"))
		return
	}
	if _, _, err := s.Crosswalk.Suggest(ctx, from, to, crosswalk.Options{Top: 3}, true); err != nil {
		s.failErr(w, r, err)
		return
	}
	n, err := s.Crosswalk.ConfirmAbove(ctx, from, to, minScore)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	backTo(w, r, "bulk="+strconv.Itoa(n))
}

type crosswalkGapsData struct {
	Report            crosswalk.GapReport
	ParentArg         string
	ChildArg          string
	Suggested         string
	XLSXURL           string
	ParentID, ChildID int64
}

func (s *Server) gapReport(ctx context.Context, r *http.Request) (crosswalk.GapReport, crosswalkGapsData, error) {
	var d crosswalkGapsData
	parent, err := editionParam(r, "parent")
	if err != nil {
		return crosswalk.GapReport{}, d, err
	}
	child, err := editionParam(r, "child")
	if err != nil {
		return crosswalk.GapReport{}, d, err
	}
	var sugg float64
	if v := strings.TrimSpace(r.FormValue("suggested")); v != "" {
		if sugg, err = strconv.ParseFloat(v, 64); err != nil || sugg < 0 || sugg > 1 {
			return crosswalk.GapReport{}, d, apperr.E(apperr.BadRequest, "crosswalk.err.score_suggestions_lies_between")
		}
	}
	rep, err := s.Crosswalk.Gaps(ctx, parent, child, crosswalk.GapOptions{Suggested: sugg})
	if err != nil {
		return rep, d, err
	}
	d = crosswalkGapsData{Report: rep, ParentArg: parent.String(), ChildArg: child.String(),
		Suggested: r.FormValue("suggested"), ParentID: parent.Catalog, ChildID: child.Catalog}
	q := url.Values{"parent": {d.ParentArg}, "child": {d.ChildArg}}
	if d.Suggested != "" {
		q.Set("suggested", d.Suggested)
	}
	d.XLSXURL = "/crosswalk/gaps.xlsx?" + q.Encode()
	return rep, d, nil
}

func (s *Server) crosswalkGaps(w http.ResponseWriter, r *http.Request) {
	_, d, err := s.gapReport(r.Context(), r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := s.newPage(r, "crosswalk.gaps.title", d)
	p.Nav = "crosswalk"
	s.render(w, r, http.StatusOK, "crosswalk_gaps", p)
}

func (s *Server) crosswalkGapsXLSX(w http.ResponseWriter, r *http.Request) {
	rep, _, err := s.gapReport(r.Context(), r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	name := "gaps-" + strconv.FormatInt(rep.Parent.Catalog, 10) + "-" + strconv.FormatInt(rep.Child.Catalog, 10) + ".xlsx"
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := crosswalk.WriteGapsXLSX(w, rep); err != nil {
		s.Logger.Error("gap report xlsx", "err", err)
	}
}

type crosswalkDiffData struct {
	Diff         crosswalk.EditionDiff
	OldArg       string
	NewArg       string
	All          bool
	Shown        []crosswalk.Change
	OldID, NewID int64
}

func (s *Server) crosswalkDiff(w http.ResponseWriter, r *http.Request) {
	oldRef, err := editionParam(r, "old")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	newRef, err := editionParam(r, "new")
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	diff, err := s.Crosswalk.Diff(r.Context(), oldRef, newRef)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	d := crosswalkDiffData{Diff: diff, OldArg: oldRef.String(), NewArg: newRef.String(), All: r.FormValue("all") != "",
		OldID: oldRef.Catalog, NewID: newRef.Catalog}
	for _, c := range diff.Changes {
		if d.All || c.Requirement {
			d.Shown = append(d.Shown, c)
		}
	}
	p := s.newPage(r, "crosswalk.diff.title", d)
	p.Nav = "crosswalk"
	s.render(w, r, http.StatusOK, "crosswalk_diff", p)
}

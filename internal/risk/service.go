package risk

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/approval"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/notify"
	"kitei/internal/org"
	"kitei/internal/paging"
	"kitei/internal/register"
)

// Permissions.
var (
	// Read: the risk register, campaigns and heat maps of the units (and
	// systems) where it is held.
	Read = authz.Define("risk.read", authz.RoleCISO, authz.RoleDeputyCISO, authz.RoleChiefISO, authz.RoleSecOffice,
		authz.RoleISO, authz.RoleDivisionISO, authz.RoleISSO, authz.RoleAuditChief, authz.RoleAuditor)
	// Write: rate and treat risks of the units (and systems) where held.
	Write = authz.Define("risk.write", authz.RoleChiefISO, authz.RoleSecOffice, authz.RoleISO, authz.RoleDivisionISO, authz.RoleISSO)
	// Admin: the risk method and assessment campaigns (security office).
	Admin = authz.Define("risk.admin", authz.RoleChiefISO, authz.RoleSecOffice)
)

// TypeAcceptance is the approval request type of a risk acceptance.
const TypeAcceptance = approval.TypeRiskAcceptance

// RefKind is the register-reference kind of a risk ("risk:12").
const RefKind = "risk"

// Requests is what the risk register needs of the approval engine.
type Requests interface {
	File(ctx context.Context, p *authz.Principal, in approval.Input, submit bool) (approval.Request, error)
	Get(ctx context.Context, p *authz.Principal, id int64) (approval.Request, []approval.Event, error)
}

// Catalogs checks the measures chosen.
type Catalogs interface {
	Get(ctx context.Context, id int64) (catalog.Catalog, error)
	Node(ctx context.Context, editionID int64, ref string) (catalog.Node, error)
}

// Service runs the risk register and the campaigns.
type Service struct {
	store    Store
	org      *org.Service
	reg      *register.Registry
	requests Requests
	catalogs Catalogs
	now      func() time.Time
	Mailer   notify.Mailer
}

// NewService returns the service.
func NewService(st Store, o *org.Service, reg *register.Registry, req Requests, cat Catalogs) *Service {
	return &Service{store: st, org: o, reg: reg, requests: req, catalogs: cat, now: time.Now}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) today() string { return org.Day(s.now()) }

// systemsOf lists the systems p holds perm for through a system role.
func systemsOf(p *authz.Principal, perm authz.Permission) []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, g := range p.Grants {
		if g.System != "" && slices.Contains(authz.RolePermissions(g.Role), perm) {
			out = append(out, g.System)
		}
	}
	return out
}

// may reports whether p holds perm for r: in its unit, or for its system.
func may(p *authz.Principal, perm authz.Permission, r Risk) bool {
	if p.CanIn(perm, r.UnitPath) {
		return true
	}
	return r.SystemCode != "" && slices.Contains(systemsOf(p, perm), r.SystemCode)
}

// Method is the stored method (the default until one is saved).
func (s *Service) Method(ctx context.Context) (Method, error) {
	m, ok, err := s.store.Method(ctx)
	if err != nil || !ok {
		return DefaultMethod(), err
	}
	return m, nil
}

// SaveMethod stores a method (Admin, organisation-wide).
func (s *Service) SaveMethod(ctx context.Context, p *authz.Principal, m Method) error {
	if err := authz.RequireIn(p, Admin, ""); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	return s.store.SaveMethod(ctx, m, s.now().UTC())
}

// List lists the risks p may read.
func (s *Service) List(ctx context.Context, p *authz.Principal, f Filter) ([]Risk, error) {
	if err := authz.Require(p, Read); err != nil {
		return nil, err
	}
	f.Scope, f.Systems = p.Scope(Read), systemsOf(p, Read)
	return s.store.Risks(ctx, f)
}

// Page is one page of a list: its rows, the cursor of the page after it
// ("" on the last) and how many rows the whole list holds.
type Page[T any] = paging.Page[T]

// Page sizes: the register shows PageSize risks a page, the API
// APIPageSize unless the client asks for another limit (at most
// paging.Max); a campaign shows CampaignUnits units in detail a page.
const (
	PageSize      = 50
	APIPageSize   = 100
	CampaignUnits = 10
)

// cursor names a risk's position: "residual value/value" and the id.
func cursor(r Risk) paging.Cursor {
	return paging.Cursor{Key: strconv.Itoa(r.RValue) + "/" + strconv.Itoa(r.Value), ID: r.ID}
}

// position reads a cursor made by cursor (nil for the start of the list).
func position(c paging.Cursor) (*Position, error) {
	if c.IsZero() {
		return nil, nil
	}
	rv, v, ok := strings.Cut(c.Key, "/")
	a, err1 := strconv.Atoi(rv)
	b, err2 := strconv.Atoi(v)
	if !ok || err1 != nil || err2 != nil {
		return nil, apperr.E(apperr.BadRequest, "paging.err.cursor")
	}
	return &Position{RValue: a, Value: b, ID: c.ID}, nil
}

// ListPage is one page of the risks p may read that f selects, the highest
// residual value first; the cursor names the last risk's residual value,
// value and id.
func (s *Service) ListPage(ctx context.Context, p *authz.Principal, f Filter, pr paging.Request) (Page[Risk], error) {
	var out Page[Risk]
	if err := authz.Require(p, Read); err != nil {
		return out, err
	}
	after, err := position(pr.After)
	if err != nil {
		return out, err
	}
	f.Scope, f.Systems = p.Scope(Read), systemsOf(p, Read)
	return paging.Read(pr, func() (int, error) { return s.store.CountRisks(ctx, f) },
		func(_ paging.Cursor, n int) ([]Risk, error) {
			f.After, f.Limit = after, n
			return s.store.Risks(ctx, f)
		}, cursor)
}

// Get returns a risk p may read, with its history. A pending acceptance
// is brought up to date with its request first.
func (s *Service) Get(ctx context.Context, p *authz.Principal, id int64) (Risk, []Change, error) {
	r, err := s.store.Risk(ctx, id)
	if err != nil {
		return r, nil, err
	}
	if !may(p, Read, r) {
		return Risk{}, nil, apperr.E(apperr.NotFound, "risk.err.not_found", id)
	}
	if r.Acceptance == AcceptRequested {
		if r, err = s.sync(ctx, r); err != nil {
			return r, nil, err
		}
	}
	h, err := s.store.History(ctx, id)
	return r, h, err
}

// Input is a risk as a form or the API gives it.
type Input struct {
	Title         string `json:"title"`
	SubjectKind   string `json:"subject_kind"`
	Subject       string `json:"subject"` // a register reference or code
	UnitID        int64  `json:"unit_id"` // for risks on the organisation
	SystemCode    string `json:"system_code"`
	CampaignID    int64  `json:"campaign_id"`
	ThreatText    string `json:"threat_text"`
	VulnText      string `json:"vulnerability_text"`
	Impact        int    `json:"impact"` // 0: from the subject's C/I/A
	Threat        int    `json:"threat"`
	Vulnerability int    `json:"vulnerability"`
	Likelihood    int    `json:"likelihood"` // matrix method
	RThreat       int    `json:"residual_threat"`
	RVuln         int    `json:"residual_vulnerability"`
	RLikelihood   int    `json:"residual_likelihood"`
	Treatment     string `json:"treatment"`
	Measures      string `json:"measures"` // "catalogID:ref; …"
	Owner         string `json:"owner"`    // employee number
	ReviewOn      string `json:"review_on"`
	Note          string `json:"note"`
}

// resolveSubject fills the subject, its unit, and the impact from its
// levels. An ISSO may name their own systems and the assets and services
// of their systems' units, even where the register hides them otherwise.
func (s *Service) resolveSubject(ctx context.Context, p *authz.Principal, m Method, in Input, r *Risk) error {
	r.SubjectKind = in.SubjectKind
	if !slices.Contains(SubjectKinds, r.SubjectKind) {
		return apperr.E(apperr.Invalid, "risk.err.subject_kind")
	}
	if r.SubjectKind == OnOrg {
		u, err := s.org.Unit(ctx, in.UnitID)
		if err != nil {
			return apperr.E(apperr.Invalid, "risk.err.unit")
		}
		r.UnitID, r.UnitPath, r.SubjectRef, r.SubjectLabel = u.ID, u.Path, "", u.Name
		return nil
	}
	ref := strings.TrimSpace(in.Subject)
	if ref == "" {
		return apperr.E(apperr.Invalid, "risk.err.subject")
	}
	if !strings.Contains(ref, ":") {
		ref = r.SubjectKind + ":" + ref
	}
	t, err := s.reg.ResolveRef(ctx, p, ref)
	if err != nil {
		t, err = s.reg.ResolveRef(ctx, authz.System, ref)
		if err != nil {
			return apperr.E(apperr.Invalid, "risk.err.subject")
		}
		ok, err := s.issoMayName(ctx, p, t)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.E(apperr.Invalid, "risk.err.subject")
		}
	}
	if t.Kind != r.SubjectKind {
		return apperr.E(apperr.Invalid, "risk.err.subject")
	}
	var c, i, a int
	switch t.Kind {
	case register.RefAsset:
		x, err := s.reg.Asset(ctx, authz.System, t.ID)
		if err != nil {
			return err
		}
		r.UnitID, r.UnitPath, c, i, a = x.UnitID, x.UnitPath, x.C, x.I, x.A
	case register.RefSystem:
		x, err := s.reg.System(ctx, authz.System, t.ID)
		if err != nil {
			return err
		}
		r.UnitID, r.UnitPath, c, i, a = x.UnitID, x.UnitPath, x.C, x.I, x.A
		if r.SystemCode == "" {
			r.SystemCode = x.Code
		}
	case register.RefService:
		x, err := s.reg.Service(ctx, authz.System, t.ID)
		if err != nil {
			return err
		}
		r.UnitID, r.UnitPath, c = x.UnitID, x.UnitPath, x.C
	}
	r.SubjectRef, r.SubjectLabel = t.Ref, t.Label()
	if r.Impact == 0 && m.Kind == MethodIPA {
		r.Impact = m.ImportanceOf(c, i, a)
	}
	return nil
}

// issoMayName: the entry is one of p's systems, or an asset or service of
// a unit one of p's systems belongs to.
func (s *Service) issoMayName(ctx context.Context, p *authz.Principal, t register.Target) (bool, error) {
	mine := systemsOf(p, Write)
	if len(mine) == 0 {
		return false, nil
	}
	if t.Kind == register.RefSystem {
		return slices.Contains(mine, t.Code), nil
	}
	units, err := s.systemUnits(ctx, mine)
	if err != nil {
		return false, err
	}
	var unitID int64
	switch t.Kind {
	case register.RefAsset:
		x, err := s.reg.Asset(ctx, authz.System, t.ID)
		if err != nil {
			return false, err
		}
		unitID = x.UnitID
	case register.RefService:
		x, err := s.reg.Service(ctx, authz.System, t.ID)
		if err != nil {
			return false, err
		}
		unitID = x.UnitID
	}
	return units[unitID] != "", nil
}

// systemUnits maps the units of the systems with these codes to a code.
func (s *Service) systemUnits(ctx context.Context, codes []string) (map[int64]string, error) {
	out := map[int64]string{}
	ys, err := s.reg.Systems(ctx, authz.System, register.SystemFilter{Viewer: register.Everyone})
	if err != nil {
		return nil, err
	}
	for _, y := range ys {
		if slices.Contains(codes, y.Code) {
			out[y.UnitID] = y.Code
		}
	}
	return out, nil
}

// rate fills the ratings of r from in under method m.
func (s *Service) rate(m Method, in Input, r *Risk) error {
	r.Method = m.Kind
	if in.Impact != 0 {
		r.Impact = in.Impact
	}
	if r.Impact == 0 || !has(m.Impact, r.Impact) {
		return apperr.E(apperr.Invalid, "risk.err.rating", apperr.Msg("risk.impact"))
	}
	check := func(v int, ls []Level, field string, required bool) error {
		if (v == 0 && required) || (v != 0 && !has(ls, v)) {
			return apperr.E(apperr.Invalid, "risk.err.rating", apperr.Msg(field))
		}
		return nil
	}
	if m.Kind == MethodIPA {
		r.Threat, r.Vulnerability, r.RThreat, r.RVulnerability = in.Threat, in.Vulnerability, in.RThreat, in.RVuln
		for _, c := range []struct {
			v     int
			ls    []Level
			field string
			req   bool
		}{{r.Threat, m.Threat, "risk.threat", true}, {r.Vulnerability, m.Vulnerability, "risk.vulnerability", true},
			{r.RThreat, m.Threat, "risk.residual_threat", false}, {r.RVulnerability, m.Vulnerability, "risk.residual_vulnerability", false}} {
			if err := check(c.v, c.ls, c.field, c.req); err != nil {
				return err
			}
		}
		if r.RThreat == 0 {
			r.RThreat = r.Threat
		}
		if r.RVulnerability == 0 {
			r.RVulnerability = r.Vulnerability
		}
		r.Likelihood = m.LikelihoodOf(r.Threat, r.Vulnerability)
		r.RLikelihood = m.LikelihoodOf(r.RThreat, r.RVulnerability)
	} else {
		r.Threat, r.Vulnerability, r.RThreat, r.RVulnerability = 0, 0, 0, 0
		r.Likelihood, r.RLikelihood = in.Likelihood, in.RLikelihood
		if err := check(r.Likelihood, m.Likelihood, "risk.likelihood", true); err != nil {
			return err
		}
		if err := check(r.RLikelihood, m.Likelihood, "risk.residual_likelihood", false); err != nil {
			return err
		}
		if r.RLikelihood == 0 {
			r.RLikelihood = r.Likelihood
		}
	}
	r.Value, r.RValue = m.Value(r.Impact, r.Likelihood), m.Value(r.Impact, r.RLikelihood)
	return nil
}

// ParseMeasures reads "catalogID:ref" items separated by ';' or new lines.
func ParseMeasures(text string) ([]Measure, bool) {
	var out []Measure
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == ';' || r == '；' || r == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		c, ref, ok := strings.Cut(part, ":")
		id, err := strconv.ParseInt(strings.TrimSpace(c), 10, 64)
		if !ok || err != nil || id <= 0 || strings.TrimSpace(ref) == "" {
			return nil, false
		}
		out = append(out, Measure{CatalogID: id, Ref: strings.TrimSpace(ref)})
	}
	return out, true
}

// FormatMeasures writes measures as ParseMeasures reads them.
func FormatMeasures(ms []Measure) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = strconv.FormatInt(m.CatalogID, 10) + ":" + m.Ref
	}
	return strings.Join(parts, "; ")
}

func (s *Service) fill(ctx context.Context, p *authz.Principal, in Input, r *Risk) error {
	m, err := s.Method(ctx)
	if err != nil {
		return err
	}
	in.Title, in.ThreatText, in.VulnText, in.Note = strings.TrimSpace(in.Title), strings.TrimSpace(in.ThreatText), strings.TrimSpace(in.VulnText), strings.TrimSpace(in.Note)
	if err := checkText("risk.title", in.Title, true, 200); err != nil {
		return err
	}
	for _, c := range []struct{ f, v string }{{"risk.threat_text", in.ThreatText}, {"risk.vulnerability_text", in.VulnText}, {"risk.note", in.Note}} {
		if err := checkText(c.f, c.v, false, 2000); err != nil {
			return err
		}
	}
	r.Title, r.ThreatText, r.VulnText, r.Note = in.Title, in.ThreatText, in.VulnText, in.Note
	r.SystemCode = strings.TrimSpace(in.SystemCode)
	if r.SystemCode == "" {
		if mine := systemsOf(p, Write); len(mine) == 1 && !p.Can(Admin) {
			r.SystemCode = mine[0]
		}
	}
	r.Impact = 0
	if err := s.resolveSubject(ctx, p, m, in, r); err != nil {
		return err
	}
	if err := s.rate(m, in, r); err != nil {
		return err
	}
	r.Treatment = in.Treatment
	if r.Treatment != "" && !slices.Contains(Treatments, r.Treatment) {
		return apperr.E(apperr.Invalid, "risk.err.treatment")
	}
	ms, ok := ParseMeasures(in.Measures)
	if !ok {
		return apperr.E(apperr.Invalid, "risk.err.measures")
	}
	for _, x := range ms {
		if err := s.checkMeasure(ctx, x); err != nil {
			return err
		}
	}
	r.Measures = ms
	r.OwnerID = 0
	if no := strings.TrimSpace(in.Owner); no != "" {
		who, err := s.org.PersonByEmployeeNo(ctx, no)
		if err != nil {
			return apperr.E(apperr.Invalid, "risk.err.owner", no)
		}
		r.OwnerID = who.ID
	}
	if err := checkDay("risk.review_on", in.ReviewOn); err != nil {
		return err
	}
	r.ReviewOn = in.ReviewOn
	if in.CampaignID != 0 {
		c, err := s.store.Campaign(ctx, in.CampaignID)
		if err != nil || !slices.ContainsFunc(c.Units, func(u CampaignUnit) bool { return u.UnitID == r.UnitID }) {
			return apperr.E(apperr.Invalid, "risk.err.campaign")
		}
	}
	r.CampaignID = in.CampaignID
	if !may(p, Write, *r) {
		return apperr.E(apperr.Forbidden, "error.forbidden.unit")
	}
	return nil
}

func (s *Service) checkMeasure(ctx context.Context, x Measure) error {
	if s.catalogs == nil {
		return nil
	}
	c, err := s.catalogs.Get(ctx, x.CatalogID)
	if err != nil {
		return apperr.E(apperr.Invalid, "risk.err.measure", x.CatalogID, x.Ref)
	}
	if _, err := s.catalogs.Node(ctx, c.Latest.ID, x.Ref); err != nil {
		return apperr.E(apperr.Invalid, "risk.err.measure", x.CatalogID, x.Ref)
	}
	return nil
}

func (s *Service) change(action string, detail map[string]any) Change {
	return Change{At: s.now().UTC(), Action: action, Detail: detail}
}

// Create adds a risk.
func (s *Service) Create(ctx context.Context, p *authz.Principal, in Input) (Risk, error) {
	if err := authz.Require(p, Write); err != nil {
		return Risk{}, err
	}
	var r Risk
	if err := s.fill(ctx, p, in, &r); err != nil {
		return Risk{}, err
	}
	now := s.now().UTC()
	r.CreatedAt, r.UpdatedAt = now, now
	return s.store.CreateRisk(ctx, r, s.change("create", map[string]any{"title": r.Title, "value": r.Value, "residual": r.RValue}))
}

// Update changes a risk. A change of the residual rating or treatment
// drops an acceptance that no longer fits.
func (s *Service) Update(ctx context.Context, p *authz.Principal, id int64, in Input) (Risk, error) {
	old, _, err := s.Get(ctx, p, id)
	if err != nil {
		return old, err
	}
	if !may(p, Write, old) {
		return old, apperr.E(apperr.Forbidden, "error.forbidden.unit")
	}
	r := old
	if err := s.fill(ctx, p, in, &r); err != nil {
		return old, err
	}
	m, _ := s.Method(ctx)
	if r.RValue != old.RValue || r.Treatment != Accept || !m.Over(r.RValue) {
		if r.Acceptance != AcceptRequested {
			r.Acceptance, r.AcceptedBy, r.AcceptedOn = "", "", ""
		}
	}
	r.UpdatedAt = s.now().UTC()
	return s.store.UpdateRisk(ctx, r, s.change("update", map[string]any{"value": r.Value, "residual": r.RValue, "treatment": r.Treatment}))
}

// Retire retires (or reinstates) a risk.
func (s *Service) Retire(ctx context.Context, p *authz.Principal, id int64, retired bool, reason string) (Risk, error) {
	r, _, err := s.Get(ctx, p, id)
	if err != nil {
		return r, err
	}
	if !may(p, Write, r) {
		return r, apperr.E(apperr.Forbidden, "error.forbidden.unit")
	}
	if err := checkText("risk.reason", reason, false, 500); err != nil {
		return r, err
	}
	r.Retired, r.UpdatedAt = retired, s.now().UTC()
	action := "retire"
	if !retired {
		action = "reinstate"
	}
	return s.store.UpdateRisk(ctx, r, s.change(action, map[string]any{"reason": reason}))
}

// NeedsAcceptance reports whether r's residual risk is kept above the
// threshold and has not been accepted.
func (m *Method) NeedsAcceptance(r Risk) bool {
	return r.Treatment == Accept && m.Over(r.RValue) && r.Acceptance != AcceptAccepted && r.Acceptance != AcceptRequested
}

// RequestAcceptance files the acceptance of r's residual risk with the
// CISO on the approval engine and records the request on the risk.
func (s *Service) RequestAcceptance(ctx context.Context, p *authz.Principal, id int64, reason string) (Risk, error) {
	r, _, err := s.Get(ctx, p, id)
	if err != nil {
		return r, err
	}
	if !may(p, Write, r) {
		return r, apperr.E(apperr.Forbidden, "error.forbidden.unit")
	}
	m, err := s.Method(ctx)
	if err != nil {
		return r, err
	}
	if !m.NeedsAcceptance(r) {
		return r, apperr.E(apperr.Conflict, "risk.err.no_acceptance")
	}
	reason = strings.TrimSpace(reason)
	if err := checkText("risk.reason", reason, true, 2000); err != nil {
		return r, err
	}
	req, err := s.requests.File(ctx, p, approval.Input{TypeKey: TypeAcceptance, Values: map[string]string{
		"title":      r.Code + " " + r.Title,
		"target_ref": RefKind + ":" + strconv.FormatInt(r.ID, 10),
		"residual":   strconv.Itoa(r.RValue) + " / " + strconv.Itoa(m.Threshold),
		"reason":     reason,
	}}, true)
	if err != nil {
		return r, err
	}
	r.Acceptance, r.RequestID, r.UpdatedAt = AcceptRequested, req.ID, s.now().UTC()
	return s.store.UpdateRisk(ctx, r, s.change("acceptance_request", map[string]any{"request": req.ID, "residual": r.RValue}))
}

// sync records the CISO's decision on r's acceptance request.
func (s *Service) sync(ctx context.Context, r Risk) (Risk, error) {
	if r.RequestID == 0 || s.requests == nil {
		return r, nil
	}
	q, _, err := s.requests.Get(ctx, authz.System, r.RequestID)
	if err != nil {
		return r, err
	}
	next := r
	switch q.Status {
	case approval.Approved, approval.InEffect, approval.Expired, approval.Ended:
		next.Acceptance, next.AcceptedBy, next.AcceptedOn = AcceptAccepted, q.DeciderName, org.Day(q.DecidedAt)
	case approval.Rejected:
		next.Acceptance, next.AcceptedBy, next.AcceptedOn = AcceptRejected, q.DeciderName, org.Day(q.DecidedAt)
	case approval.Withdrawn:
		next.Acceptance = ""
	default:
		return r, nil
	}
	next.UpdatedAt = s.now().UTC()
	return s.store.UpdateRisk(ctx, next, s.change("acceptance_"+string(q.Status), map[string]any{"request": q.ID, "decider": q.DeciderName, "note": q.Decision}))
}

// SyncAll brings every pending acceptance up to date (the job).
func (s *Service) SyncAll(ctx context.Context) (int, error) {
	rs, err := s.store.Risks(ctx, Filter{Scope: authz.Everywhere, Acceptance: AcceptRequested, Retired: true})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rs {
		next, err := s.sync(ctx, r)
		if err != nil {
			return n, err
		}
		if next.Acceptance != r.Acceptance {
			n++
		}
	}
	return n, nil
}

// Target is the risk as a request points at it (for approval's register
// references): p must be able to read it.
func (s *Service) Target(ctx context.Context, p *authz.Principal, key string) (register.Target, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(key), 10, 64)
	var r Risk
	if err == nil {
		r, err = s.store.Risk(ctx, id)
	}
	if err != nil || !may(p, Read, r) {
		return register.Target{}, apperr.E(apperr.NotFound, "risk.err.not_found", key)
	}
	return register.Target{Ref: RefKind + ":" + strconv.FormatInt(r.ID, 10), Kind: RefKind, ID: r.ID, Code: r.Code, Name: r.Title,
		Retired: r.Retired, Href: "/risks/" + strconv.FormatInt(r.ID, 10)}, nil
}

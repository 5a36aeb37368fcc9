package register

import (
	"context"
	"fmt"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/catalog"
	"kitei/internal/i18n"
	"kitei/internal/org"
)

// Every method that acts takes the actor: the signed-in principal, or
// authz.System for the command line and background jobs.

// viewer is who reads for perm.
func viewer(w *authz.Principal, perm authz.Permission) Viewer {
	if w.IsSystem() {
		return Everyone
	}
	return ViewerOf(w, perm)
}

func personID(w *authz.Principal) int64 {
	if w == nil {
		return 0
	}
	return w.PersonID
}

// canIn reports whether w may change records of the unit at path.
func canIn(w *authz.Principal, path string) bool { return w.CanIn(authz.RegisterWrite, path) }

// Registry runs the registers over a Store.
type Registry struct {
	store    Store
	org      *org.Service
	catalogs *catalog.Service // nil: requirement refs are not checked
	now      func() time.Time
	// Ladder is the chain of roles that decides who is a superior of a
	// 決定者 for a unit, lowest first; the staff role is below it.
	Ladder []string
}

// NewRegistry returns the registers over st. orgs resolves units, people
// and superiors; catalogs checks chosen requirements (may be nil).
func NewRegistry(st Store, orgs *org.Service, catalogs *catalog.Service) *Registry {
	r := &Registry{store: st, org: orgs, catalogs: catalogs, now: time.Now}
	// The unit chain of the seed rulebooks: 課室 → 部 → 統括 → CISO.
	sup := org.DefaultSuperiors()
	if orgs != nil && orgs.Superiors != nil {
		sup = orgs.Superiors
	}
	seen := map[string]bool{}
	for role := authz.RoleDivisionISO; role != "" && !seen[role]; role = sup[role] {
		seen[role] = true
		r.Ladder = append(r.Ladder, role)
	}
	return r
}

// SetClock replaces the clock (tests).
func (r *Registry) SetClock(now func() time.Time) { r.now = now }

func (r *Registry) today() string { return org.Day(r.now()) }

// Scheme returns the organisation's scheme (the seed default until the
// security office saves one).
func (r *Registry) Scheme(ctx context.Context) (Scheme, error) {
	s, ok, err := r.store.Scheme(ctx)
	if err != nil {
		return s, err
	}
	if !ok {
		return DefaultScheme(), nil
	}
	return s, nil
}

// SaveScheme stores a new scheme. Levels in use cannot disappear: renaming
// is free, removing a level that records hold is refused.
func (r *Registry) SaveScheme(ctx context.Context, s Scheme) error {
	if err := s.Validate(); err != nil {
		return err
	}
	for _, ax := range []string{AxisC, AxisI, AxisA} {
		top := s.Axis(ax).Max()
		as, err := r.store.Assets(ctx, AssetFilter{Viewer: Everyone, Retired: true})
		if err != nil {
			return err
		}
		for _, a := range as {
			v := map[string]int{AxisC: a.C, AxisI: a.I, AxisA: a.A}[ax]
			if _, ok := s.Axis(ax).Level(v); v != 0 && !ok {
				return apperr.E(apperr.Conflict, "register.err.asset_at_level_which_new", a.Code, v, s.Axis(ax).Name, top)
			}
		}
	}
	return r.store.SaveScheme(ctx, s)
}

func (r *Registry) change(action string, detail map[string]any) Change {
	return Change{Action: action, Detail: detail, At: r.now()}
}

// ---- assets ----

// Assets lists the assets w may read.
func (r *Registry) Assets(ctx context.Context, w *authz.Principal, f AssetFilter) ([]Asset, error) {
	f.Viewer = viewer(w, authz.RegisterRead)
	f.Query = strings.TrimSpace(f.Query)
	return r.store.Assets(ctx, f)
}

// Asset returns an asset w may read (apperr NotFound otherwise).
func (r *Registry) Asset(ctx context.Context, w *authz.Principal, id int64) (Asset, error) {
	return r.store.Asset(ctx, id, viewer(w, authz.RegisterRead))
}

func (r *Registry) unit(ctx context.Context, id int64) (org.Unit, error) {
	u, err := r.org.Unit(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return u, invalid("register.err.unit_id", id)
	}
	return u, err
}

func (r *Registry) checkPeople(ctx context.Context, ids ...int64) error {
	for _, id := range ids {
		if id == 0 {
			continue
		}
		p, err := r.org.Person(ctx, id)
		if apperr.Is(err, apperr.NotFound) {
			return invalid("register.err.person_id", id)
		}
		if err != nil {
			return err
		}
		if p.Status == org.StatusLeft {
			return invalid("register.err.has_left_organisation", p.Name)
		}
	}
	return nil
}

// CreateAsset registers an asset. The 決定者 is w unless given; the
// decision date is today unless given.
func (r *Registry) CreateAsset(ctx context.Context, w *authz.Principal, a Asset) (Asset, error) {
	s, err := r.Scheme(ctx)
	if err != nil {
		return a, err
	}
	a.ID, a.Retired = 0, false
	if a.DeciderID == 0 {
		a.DeciderID = personID(w)
	}
	if a.DecidedOn == "" {
		a.DecidedOn = r.today()
	}
	if err := a.Validate(&s); err != nil {
		return a, err
	}
	u, err := r.unit(ctx, a.UnitID)
	if err != nil {
		return a, err
	}
	if !canIn(w, u.Path) {
		return a, apperr.E(apperr.Forbidden, "register.err.you_register_assets", u.Name)
	}
	if err := r.checkPeople(ctx, append([]int64{a.DeciderID}, a.Named...)...); err != nil {
		return a, err
	}
	if a.SourceID != 0 {
		if _, err := r.store.Asset(ctx, a.SourceID, viewer(w, authz.RegisterRead)); err != nil {
			return a, invalid("register.err.source_asset_unknown", a.SourceID)
		}
	}
	return r.store.CreateAsset(ctx, a, r.change("create", map[string]any{"c": a.C, "i": a.I, "a": a.A}))
}

// UpdateAsset changes an asset's description. Its levels and restrictions
// change only through Reclassify.
func (r *Registry) UpdateAsset(ctx context.Context, w *authz.Principal, a Asset) (Asset, error) {
	old, err := r.store.Asset(ctx, a.ID, viewer(w, authz.RegisterWrite))
	if err != nil {
		return a, err
	}
	if !canIn(w, old.UnitPath) {
		return a, apperr.E(apperr.NotFound, "register.err.asset_id", a.ID)
	}
	s, err := r.Scheme(ctx)
	if err != nil {
		return a, err
	}
	a.Code = strings.TrimSpace(a.Code)
	if a.Code == "" {
		a.Code = old.Code
	}
	a.C, a.I, a.A, a.Paper, a.Restrictions = old.C, old.I, old.A, old.Paper, old.Restrictions
	a.DeciderID, a.DecidedOn, a.SourceID = old.DeciderID, old.DecidedOn, old.SourceID
	a.Retired = old.Retired // only RetireAsset changes it
	if err := a.Validate(&s); err != nil {
		return a, err
	}
	if a.UnitID != old.UnitID {
		u, err := r.unit(ctx, a.UnitID)
		if err != nil {
			return a, err
		}
		if !canIn(w, u.Path) {
			return a, apperr.E(apperr.Forbidden, "register.err.you_move_assets", u.Name)
		}
	}
	if err := r.checkPeople(ctx, a.Named...); err != nil {
		return a, err
	}
	return r.store.UpdateAsset(ctx, a, r.change("update", diffAsset(old, a)))
}

// RetireAsset retires an asset (retired true) or puts a retired one back
// in use. Nothing is deleted: a retired asset leaves the lists unless
// they ask for retired records, keeps its page and history, and the
// change is in its history and the audit trail with the reason given.
func (r *Registry) RetireAsset(ctx context.Context, w *authz.Principal, id int64, retired bool, reason string) (Asset, error) {
	old, err := r.store.Asset(ctx, id, viewer(w, authz.RegisterWrite))
	if err != nil {
		return old, err
	}
	if !canIn(w, old.UnitPath) {
		return old, apperr.E(apperr.NotFound, "register.err.asset_id", id)
	}
	reason = strings.TrimSpace(reason)
	if err := checkText("reason", reason, false, 500); err != nil {
		return old, err
	}
	if old.Retired == retired {
		if retired {
			return old, apperr.E(apperr.Conflict, "register.err.asset_already_retired", old.Code)
		}
		return old, apperr.E(apperr.Conflict, "register.err.asset_use_retired", old.Code)
	}
	a := old
	a.Retired = retired
	action := "retire"
	if !retired {
		action = "reinstate"
	}
	d := diffAsset(old, a)
	if reason != "" {
		d["reason"] = reason
	}
	return r.store.UpdateAsset(ctx, a, r.change(action, d))
}

// Reclassification is a change of an asset's levels or restrictions.
type Reclassification struct {
	C, I, A      int
	Restrictions []string
	Reason       string
}

// Reclassify changes the levels and restrictions of an asset. Only its
// 決定者 or a superior of the 決定者 for the asset's unit may; anyone else is
// refused with apperr Forbidden and the attempt is written to the audit
// trail. The person who reclassifies becomes the 決定者.
func (r *Registry) Reclassify(ctx context.Context, w *authz.Principal, id int64, rc Reclassification) (Asset, error) {
	old, err := r.store.Asset(ctx, id, viewer(w, authz.RegisterRead))
	if err != nil {
		return old, err
	}
	s, err := r.Scheme(ctx)
	if err != nil {
		return old, err
	}
	a := old
	a.C, a.I, a.A, a.Restrictions = rc.C, rc.I, rc.A, rc.Restrictions
	if a.Paper {
		a.I, a.A = 0, 0
	}
	if err := checkText("reason", rc.Reason, false, 500); err != nil {
		return old, err
	}
	if err := a.Validate(&s); err != nil {
		return old, err
	}
	ok, why, err := r.mayReclassify(ctx, w, old)
	if err != nil {
		return old, err
	}
	if !ok {
		ev := &audit.Event{Action: ActionReclassifyDenied, ObjectType: "asset", ObjectID: itoa(old.ID), UnitID: old.UnitID,
			Detail: audit.Details(map[string]any{"code": old.Code, "decider_id": old.DeciderID,
				"from": levels(old.C, old.I, old.A), "to": levels(a.C, a.I, a.A), "reason": why})}
		if lerr := r.store.Log(ctx, ev); lerr != nil {
			return old, lerr
		}
		return old, apperr.E(apperr.Forbidden, "register.err.their_superior_reclassify", old.Code, old.Decider.Name)
	}
	if !w.IsSystem() {
		a.DeciderID = personID(w)
	}
	a.DecidedOn = r.today()
	d := diffAsset(old, a)
	d["reason"] = strings.TrimSpace(rc.Reason)
	d["authority"] = why
	return r.store.UpdateAsset(ctx, a, r.change("reclassify", d))
}

func levels(c, i, a int) string { return fmt.Sprintf("C%d/I%d/A%d", c, i, a) }

// mayReclassify decides whether w may change the classification of a:
// the 決定者 may; so may a person holding a higher role of the Ladder than
// the 決定者 over a's unit.
func (r *Registry) mayReclassify(ctx context.Context, w *authz.Principal, a Asset) (bool, string, error) {
	if w.IsSystem() {
		return true, "system", nil
	}
	me := personID(w)
	if me != 0 && me == a.DeciderID {
		return true, "decider", nil
	}
	mine := r.rank(w.Grants, a.UnitPath)
	_, grants, _, err := r.org.Grants(ctx, a.DeciderID, r.now())
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return false, "", err
	}
	theirs := r.rank(grants, a.UnitPath)
	if mine > 0 && mine > theirs {
		return true, "superior", nil
	}
	return false, "neither the decider nor their superior", nil
}

// rank is the highest Ladder position (1-based; 0 none) among grants that
// cover the unit at path.
func (r *Registry) rank(grants []authz.Grant, path string) int {
	best := 0
	for _, g := range grants {
		covers := (g.UnitPath == "" && g.System == "") || (g.UnitPath != "" && strings.HasPrefix(path, g.UnitPath))
		if !covers {
			continue
		}
		for i, role := range r.Ladder {
			if role == g.Role {
				best = max(best, i+1)
			}
		}
	}
	return best
}

// MayEdit tells pages whether to offer editing asset a.
func (r *Registry) MayEdit(w *authz.Principal, a Asset) bool { return canIn(w, a.UnitPath) }

// MayReclassify tells pages whether to offer reclassification.
func (r *Registry) MayReclassify(ctx context.Context, w *authz.Principal, a Asset) bool {
	ok, _, err := r.mayReclassify(ctx, w, a)
	return err == nil && ok
}

// Copy registers a copy of the asset sourceID: the copy inherits the
// source's levels, restrictions, named people and 決定者 (seed 000 3.1.1:
// copies keep the classification), and points back at its source.
func (r *Registry) Copy(ctx context.Context, w *authz.Principal, sourceID int64, c Asset) (Asset, error) {
	src, err := r.store.Asset(ctx, sourceID, viewer(w, authz.RegisterRead))
	if err != nil {
		return c, err
	}
	if src.Retired {
		return c, apperr.E(apperr.Conflict, "register.err.asset_retired_cannot_copied", src.Code)
	}
	c.ID, c.SourceID = 0, src.ID
	c.C, c.I, c.A, c.Paper = src.C, src.I, src.A, src.Paper
	c.Restrictions = append([]string(nil), src.Restrictions...)
	c.DeciderID, c.DecidedOn = src.DeciderID, src.DecidedOn
	c.Named = append(c.Named, src.Named...)
	if c.UnitID == 0 {
		c.UnitID = src.UnitID
	}
	if strings.TrimSpace(c.Name) == "" {
		c.Name = i18n.T(i18n.Ja, "register.copy_name", src.Name)
	}
	if c.Kind == "" {
		c.Kind = src.Kind
	}
	if c.UsersScope == "" {
		c.UsersScope = src.UsersScope
	}
	if c.Retention == "" {
		c.Retention = src.Retention
	}
	c.Likelihood = src.Likelihood
	s, err := r.Scheme(ctx)
	if err != nil {
		return c, err
	}
	if err := c.Validate(&s); err != nil {
		return c, err
	}
	u, err := r.unit(ctx, c.UnitID)
	if err != nil {
		return c, err
	}
	if !canIn(w, u.Path) {
		return c, apperr.E(apperr.Forbidden, "register.err.you_register_assets", u.Name)
	}
	if err := r.checkPeople(ctx, c.Named...); err != nil {
		return c, err
	}
	return r.store.CreateAsset(ctx, c, r.change("copy", map[string]any{"source": src.Code, "c": c.C, "i": c.I, "a": c.A}))
}

func diffAsset(old, a Asset) map[string]any {
	d := map[string]any{}
	set := func(k string, from, to any) {
		if fmt.Sprint(from) != fmt.Sprint(to) {
			d[k] = map[string]any{"from": from, "to": to}
		}
	}
	set("code", old.Code, a.Code)
	set("name", old.Name, a.Name)
	set("kind", old.Kind, a.Kind)
	set("unit_id", old.UnitID, a.UnitID)
	set("c", old.C, a.C)
	set("i", old.I, a.I)
	set("a", old.A, a.A)
	set("restrictions", strings.Join(old.Restrictions, ";"), strings.Join(a.Restrictions, ";"))
	set("location", old.Location, a.Location)
	set("retention", old.Retention, a.Retention)
	set("users_scope", old.UsersScope, a.UsersScope)
	set("named", fmt.Sprint(old.Named), fmt.Sprint(a.Named))
	set("likelihood", old.Likelihood, a.Likelihood)
	set("decider_id", old.DeciderID, a.DeciderID)
	set("note", old.Note, a.Note)
	set("retired", old.Retired, a.Retired)
	return d
}

// ---- systems ----

// Systems lists the systems w may read.
func (r *Registry) Systems(ctx context.Context, w *authz.Principal, f SystemFilter) ([]System, error) {
	f.Viewer = viewer(w, authz.RegisterRead)
	f.Query = strings.TrimSpace(f.Query)
	return r.store.Systems(ctx, f)
}

// System returns a system w may read.
func (r *Registry) System(ctx context.Context, w *authz.Principal, id int64) (System, error) {
	return r.store.System(ctx, id, viewer(w, authz.RegisterRead))
}

func (r *Registry) checkSystem(ctx context.Context, w *authz.Principal, y *System) error {
	s, err := r.Scheme(ctx)
	if err != nil {
		return err
	}
	if y.Stage == "" {
		y.Stage = StagePlanning
	}
	y.Stage, _ = ParseStage(y.Stage)
	if err := y.Validate(&s); err != nil {
		return err
	}
	if err := r.checkPeople(ctx, y.ISSOID); err != nil {
		return err
	}
	for _, code := range y.Services {
		vs, err := r.store.Services(ctx, ServiceFilter{Viewer: Everyone, Query: code, Retired: true})
		if err != nil {
			return err
		}
		found := false
		for _, v := range vs {
			found = found || v.Code == code
		}
		if !found {
			return invalid("register.err.cloud_service_outsourcing_id", code)
		}
	}
	if r.catalogs != nil {
		for _, q := range y.Requirements {
			if err := r.checkRequirement(ctx, q); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *Registry) checkRequirement(ctx context.Context, q Requirement) error {
	c, err := r.catalogs.Get(ctx, q.CatalogID)
	if err != nil {
		return invalid("register.err.catalog_requirement", q.CatalogID, q.String())
	}
	if _, err := r.catalogs.Node(ctx, c.Latest.ID, q.Ref); err != nil {
		return invalid("register.err.catalog_has_node", c.Name, q.Ref)
	}
	return nil
}

// mayEditSystem: a register writer of the system's unit, or the holder of
// a system role with the write permission for that system (its ISSO).
func mayEditSystem(w *authz.Principal, y System) bool {
	if canIn(w, y.UnitPath) {
		return true
	}
	for _, c := range viewer(w, authz.RegisterWrite).Systems {
		if c == y.Code {
			return true
		}
	}
	return false
}

// CreateSystem registers a system and appoints its ISSO for it when they
// do not hold that appointment yet. The 統括 is notified.
func (r *Registry) CreateSystem(ctx context.Context, w *authz.Principal, y System) (System, error) {
	y.ID, y.Retired = 0, false
	if err := r.checkSystem(ctx, w, &y); err != nil {
		return y, err
	}
	u, err := r.unit(ctx, y.UnitID)
	if err != nil {
		return y, err
	}
	if !canIn(w, u.Path) {
		return y, apperr.E(apperr.Forbidden, "register.err.you_register_systems", u.Name)
	}
	out, err := r.store.CreateSystem(ctx, y, r.change("create", map[string]any{"stage": y.Stage, "isso_id": y.ISSOID}))
	if err != nil {
		return out, err
	}
	return out, r.appointISSO(ctx, out)
}

// UpdateSystem changes a system; the 統括 is notified.
func (r *Registry) UpdateSystem(ctx context.Context, w *authz.Principal, y System) (System, error) {
	old, err := r.store.System(ctx, y.ID, viewer(w, authz.RegisterWrite))
	if err != nil {
		return y, err
	}
	if !mayEditSystem(w, old) {
		return y, apperr.E(apperr.NotFound, "register.err.system_id", y.ID)
	}
	if y.Code == "" {
		y.Code = old.Code
	}
	if y.Code != old.Code {
		return y, invalid("register.err.system_keeps_id_isso_appointments", old.Code)
	}
	if err := r.checkSystem(ctx, w, &y); err != nil {
		return y, err
	}
	if y.UnitID != old.UnitID {
		u, err := r.unit(ctx, y.UnitID)
		if err != nil {
			return y, err
		}
		if !canIn(w, u.Path) {
			return y, apperr.E(apperr.Forbidden, "register.err.you_move_systems", u.Name)
		}
	}
	out, err := r.store.UpdateSystem(ctx, y, r.change("update", diffSystem(old, y)))
	if err != nil {
		return out, err
	}
	if out.ISSOID != old.ISSOID {
		return out, r.appointISSO(ctx, out)
	}
	return out, nil
}

func (r *Registry) appointISSO(ctx context.Context, y System) error {
	if r.org == nil {
		return nil
	}
	current, _, err := r.org.History(ctx, y.ISSOID, r.now())
	if err != nil {
		return err
	}
	for _, a := range current {
		if a.RoleKey == authz.RoleISSO && a.SystemRef == y.Code {
			return nil
		}
	}
	_, err = r.org.Appoint(ctx, authz.System, org.Assignment{PersonID: y.ISSOID, RoleKey: authz.RoleISSO, SystemRef: y.Code,
		StartsOn: r.today(), Note: i18n.T(i18n.Ja, "register.note.isso_appointed")})
	if apperr.Is(err, apperr.NotFound) { // the role catalogue lacks isso
		return nil
	}
	return err
}

func diffSystem(old, y System) map[string]any {
	d := map[string]any{}
	set := func(k string, from, to any) {
		if fmt.Sprint(from) != fmt.Sprint(to) {
			d[k] = map[string]any{"from": from, "to": to}
		}
	}
	set("name", old.Name, y.Name)
	set("purpose", old.Purpose, y.Purpose)
	set("unit_id", old.UnitID, y.UnitID)
	set("isso_id", old.ISSOID, y.ISSOID)
	set("stage", old.Stage, y.Stage)
	set("levels", levels(old.C, old.I, old.A), levels(y.C, y.I, y.A))
	set("components", strings.Join(old.Components, ";"), strings.Join(y.Components, ";"))
	set("connections", strings.Join(old.Connections, ";"), strings.Join(y.Connections, ";"))
	set("services", strings.Join(old.Services, ";"), strings.Join(y.Services, ";"))
	set("requirements", joinReqs(old.Requirements), joinReqs(y.Requirements))
	set("note", old.Note, y.Note)
	set("retired", old.Retired, y.Retired)
	return d
}

func joinReqs(rs []Requirement) string {
	parts := make([]string, len(rs))
	for i, q := range rs {
		parts[i] = q.String()
	}
	return strings.Join(parts, ";")
}

// ---- services ----

// Services lists the services w may read.
func (r *Registry) Services(ctx context.Context, w *authz.Principal, f ServiceFilter) ([]Service, error) {
	f.Viewer = viewer(w, authz.RegisterRead)
	f.Query = strings.TrimSpace(f.Query)
	return r.store.Services(ctx, f)
}

// Service returns a service w may read.
func (r *Registry) Service(ctx context.Context, w *authz.Principal, id int64) (Service, error) {
	return r.store.Service(ctx, id, viewer(w, authz.RegisterRead))
}

func (r *Registry) checkService(ctx context.Context, v *Service) error {
	s, err := r.Scheme(ctx)
	if err != nil {
		return err
	}
	if err := v.Validate(&s); err != nil {
		return err
	}
	return r.checkPeople(ctx, v.ManagerID)
}

// CreateService registers a cloud service or an outsourcing contract.
func (r *Registry) CreateService(ctx context.Context, w *authz.Principal, v Service) (Service, error) {
	v.ID, v.Retired = 0, false
	if err := r.checkService(ctx, &v); err != nil {
		return v, err
	}
	u, err := r.unit(ctx, v.UnitID)
	if err != nil {
		return v, err
	}
	if !canIn(w, u.Path) {
		return v, apperr.E(apperr.Forbidden, "register.err.you_register_services", u.Name)
	}
	return r.store.CreateService(ctx, v, r.change("create", map[string]any{"kind": v.Kind, "provider": v.Provider}))
}

// UpdateService changes a service.
func (r *Registry) UpdateService(ctx context.Context, w *authz.Principal, v Service) (Service, error) {
	old, err := r.store.Service(ctx, v.ID, viewer(w, authz.RegisterWrite))
	if err != nil {
		return v, err
	}
	if !canIn(w, old.UnitPath) {
		return v, apperr.E(apperr.NotFound, "register.err.service_id", v.ID)
	}
	if v.Code == "" {
		v.Code = old.Code
	}
	if v.Code != old.Code {
		return v, invalid("register.err.service_keeps_id_systems_refer", old.Code)
	}
	if err := r.checkService(ctx, &v); err != nil {
		return v, err
	}
	if v.UnitID != old.UnitID {
		u, err := r.unit(ctx, v.UnitID)
		if err != nil {
			return v, err
		}
		if !canIn(w, u.Path) {
			return v, apperr.E(apperr.Forbidden, "register.err.you_move_services", u.Name)
		}
	}
	d := map[string]any{}
	for k, pair := range map[string][2]any{"name": {old.Name, v.Name}, "provider": {old.Provider, v.Provider},
		"ismap": {old.ISMAP, v.ISMAP}, "ismap_no": {old.ISMAPNo, v.ISMAPNo}, "data_location": {old.DataLocation, v.DataLocation},
		"contract_from": {old.ContractFrom, v.ContractFrom}, "contract_to": {old.ContractTo, v.ContractTo},
		"manager_id": {old.ManagerID, v.ManagerID}, "c": {old.C, v.C}, "exit": {fmt.Sprint(old.Exit), fmt.Sprint(v.Exit)},
		"subcontracting": {fmt.Sprint(old.Subcontracting), fmt.Sprint(v.Subcontracting)}, "note": {old.Note, v.Note},
		"retired": {old.Retired, v.Retired}, "unit_id": {old.UnitID, v.UnitID}} {
		if fmt.Sprint(pair[0]) != fmt.Sprint(pair[1]) {
			d[k] = map[string]any{"from": pair[0], "to": pair[1]}
		}
	}
	return r.store.UpdateService(ctx, v, r.change("update", d))
}

// History lists a record's changes, newest first, when w may read it.
func (r *Registry) History(ctx context.Context, w *authz.Principal, kind string, id int64) ([]Change, error) {
	var err error
	switch kind {
	case KindAssets:
		_, err = r.Asset(ctx, w, id)
	case KindSystems:
		_, err = r.System(ctx, w, id)
	case KindServices:
		_, err = r.Service(ctx, w, id)
	default:
		return nil, invalid("register.err.unknown_register", kind)
	}
	if err != nil {
		return nil, err
	}
	return r.store.History(ctx, kind, id)
}

// Today is the registry's date (pages use it for defaults).
func (r *Registry) Today() string { return r.today() }

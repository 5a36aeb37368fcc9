package register

import (
	"context"
	"strconv"

	"kitei/internal/audit"
	"kitei/internal/authz"
	"kitei/internal/paging"
)

// Viewer is who reads a register. The store applies it inside its queries.
type Viewer struct {
	// Trusted callers (the CLI, background jobs) see everything, 機密性3
	// assets included.
	Trusted bool
	// PersonID is the reader; named-people assets are visible only to the
	// people named on them and their 決定者.
	PersonID int64
	// Scope is the set of units whose records the viewer may read.
	Scope authz.Scope
	// Systems are the system codes the viewer holds a system role for
	// (an ISSO reads and edits their own systems).
	Systems []string
}

// Everyone is the viewer of trusted callers.
var Everyone = Viewer{Trusted: true, Scope: authz.Everywhere}

// ViewerOf is the viewer p is for permission perm.
func ViewerOf(p *authz.Principal, perm authz.Permission) Viewer {
	if p == nil {
		return Viewer{}
	}
	v := Viewer{PersonID: p.PersonID, Scope: authz.ScopeOf(p, perm)}
	for _, g := range p.Grants {
		if g.System == "" {
			continue
		}
		for _, x := range authz.RolePermissions(g.Role) {
			if x == perm {
				v.Systems = append(v.Systems, g.System)
				break
			}
		}
	}
	return v
}

// AssetFilter selects assets.
type AssetFilter struct {
	Viewer      Viewer
	Query       string // part of the id, name, kind, location or users' scope
	UnitID      int64  // 0: any (with the units below it)
	Kind        string
	MinC        int    // only assets at or above this confidentiality level
	Restriction string // a stored restriction
	SourceID    int64  // only copies of this asset
	Retired     bool   // include retired assets
	Sort        string // one of AssetSorts (default code)
	Desc        bool
	After       paging.Cursor // the last row of the previous page (see Cursor)
	Limit       int           // 0: no limit
}

// SystemFilter selects systems.
type SystemFilter struct {
	Viewer  Viewer
	Query   string
	UnitID  int64
	Stage   string
	Service string // only systems using this service code
	Retired bool
	Sort    string // one of SystemSorts (default code)
	Desc    bool
	After   paging.Cursor // the last row of the previous page (see Cursor)
	Limit   int           // 0: no limit
}

// ServiceFilter selects services.
type ServiceFilter struct {
	Viewer  Viewer
	Query   string
	UnitID  int64
	Kind    string
	ISMAP   string // "", "yes", "no"
	Retired bool
	Sort    string // one of ServiceSorts (default code)
	Desc    bool
	After   paging.Cursor // the last row of the previous page (see Cursor)
	Limit   int           // 0: no limit
}

// Plan is a checked import: records to add (ID 0) or update, each with the
// history entry to write. Named people, deciders, units and sources are
// resolved to ids before the plan reaches the store, except SourceCode on
// assets, which may name an asset added by the same plan.
type Plan struct {
	Assets   []PlanAsset
	Services []Service
	Systems  []System
}

// PlanAsset is an asset of an import plan.
type PlanAsset struct {
	Asset
	SourceCode string
}

// ImportResult counts what an import changed.
type ImportResult struct {
	Added   int `json:"added"`
	Updated int `json:"updated"`
}

// Store persists the registers. Implemented by internal/store. Every
// change writes its history entry and its audit event in the same
// transaction. Reads return apperr NotFound for records the viewer may not
// see, exactly as for records that do not exist.
type Store interface {
	// Scheme returns the stored scheme; ok is false when none is stored.
	Scheme(ctx context.Context) (s Scheme, ok bool, err error)
	SaveScheme(ctx context.Context, s Scheme) error

	CreateAsset(ctx context.Context, a Asset, ch Change) (Asset, error)
	// UpdateAsset stores a; ch.Action says what kind of change it is.
	UpdateAsset(ctx context.Context, a Asset, ch Change) (Asset, error)
	Asset(ctx context.Context, id int64, v Viewer) (Asset, error)
	AssetByCode(ctx context.Context, code string, v Viewer) (Asset, error)
	Assets(ctx context.Context, f AssetFilter) ([]Asset, error)
	// CountAssets counts the assets matching f (After and Limit ignored).
	CountAssets(ctx context.Context, f AssetFilter) (int, error)

	CreateSystem(ctx context.Context, y System, ch Change) (System, error)
	// UpdateSystem stores y and leaves a notice for every 統括情報セキュリ
	// ティ責任者 in office (seed 001 Art. 17: every update is reported).
	UpdateSystem(ctx context.Context, y System, ch Change) (System, error)
	System(ctx context.Context, id int64, v Viewer) (System, error)
	Systems(ctx context.Context, f SystemFilter) ([]System, error)
	// CountSystems counts the systems matching f (After and Limit ignored).
	CountSystems(ctx context.Context, f SystemFilter) (int, error)

	CreateService(ctx context.Context, s Service, ch Change) (Service, error)
	UpdateService(ctx context.Context, s Service, ch Change) (Service, error)
	Service(ctx context.Context, id int64, v Viewer) (Service, error)
	Services(ctx context.Context, f ServiceFilter) ([]Service, error)
	// CountServices counts the services matching f (After and Limit ignored).
	CountServices(ctx context.Context, f ServiceFilter) (int, error)

	// History lists a record's changes, newest first.
	History(ctx context.Context, kind string, id int64) ([]Change, error)
	// ApplyImport writes a plan in one transaction: all of it or nothing.
	ApplyImport(ctx context.Context, kind string, p *Plan) (ImportResult, error)
	// Log appends an event to the audit trail on its own (refusals).
	Log(ctx context.Context, ev *audit.Event) error
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

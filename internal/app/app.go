// Package app is kitei's composition root. It builds every capability's
// service once over one store, and puts together what each capability
// registers (its API routes, its background jobs) for the web server, the
// command line and the tests. Adding a capability means one new folder,
// one entry in capabilities.go and its migrations.
package app

import (
	"log/slog"
	"os"

	"kitei/internal/approval"
	"kitei/internal/audit"
	"kitei/internal/auditeng"
	"kitei/internal/auth"
	"kitei/internal/capability"
	"kitei/internal/catalog"
	"kitei/internal/catalog/ciso"
	"kitei/internal/catalog/jptext"
	"kitei/internal/catalog/kjson"
	"kitei/internal/catalog/oscal"
	"kitei/internal/catalog/xlsxfmt"
	"kitei/internal/crosswalk"
	"kitei/internal/incident"
	"kitei/internal/oidc"
	"kitei/internal/org"
	"kitei/internal/policy"
	"kitei/internal/register"
	"kitei/internal/selfcheck"
	"kitei/internal/store"
	"kitei/internal/tracker"
	"kitei/internal/training"
	"kitei/internal/webui"
	"kitei/internal/yearly"
)

// App holds one instance of every service over one store.
type App struct {
	DB        *store.DB
	Logger    *slog.Logger
	Audit     audit.Store
	Catalogs  *catalog.Service
	Crosswalk *crosswalk.Service
	Org       *org.Service
	Auth      *auth.Service
	Selfcheck *selfcheck.Service
	Approval  *approval.Service
	Register  *register.Registry
	Yearly    *yearly.Service
	Incident  *incident.Service
	Training  *training.Service
	Tracker   *tracker.Service
	Audits    *auditeng.Service
	Policy    *policy.Service
	// Kit renders the pages of every capability.
	Kit *webui.Kit
	// OIDC is sign-in through OpenID providers (KITEI_OIDC_CONFIG).
	OIDC *oidc.Set

	mods []capability.Module
}

// New builds every service over db. logger may be nil (slog.Default).
func New(db *store.DB, logger *slog.Logger) *App {
	if logger == nil {
		logger = slog.Default()
	}
	a := &App{DB: db, Logger: logger, Audit: db.Audit(), Kit: webui.NewKit(logger, "")}
	a.Catalogs = Catalogs(db.Catalogs())
	a.Org = org.NewService(db.Org())
	a.Crosswalk = crosswalk.NewService(db.Crosswalk(), a.Catalogs)
	a.Auth = auth.NewService(db.Auth(), a.Org, audit.NewRecorder(db.Audit()))
	a.Selfcheck = selfcheck.NewService(db.Selfchecks(), a.Catalogs)
	a.Register = register.NewRegistry(db.Registers(), a.Org, a.Catalogs)
	a.Approval = approval.NewService(db.Approvals(), a.Org, a.Catalogs)
	a.Approval.Targets = a.Register // request targets are entries of the registers
	a.Yearly = yearly.NewService(db.Yearly())
	a.Incident = incident.NewService(db.Incidents(), a.Org)
	a.Training = training.NewService(db.Trainings(), a.Org)
	a.Tracker = tracker.NewService(db.Tracker(), a.Org)
	a.Audits = auditeng.NewService(db.Audits(), a.Org, a.Catalogs, a.Tracker, a.Selfcheck, a.Crosswalk)
	a.OIDC = oidc.FromEnv(os.Getenv, a.Auth, a.Kit, logger)
	a.Policy = policy.NewService(db.Policies(), a.Catalogs, a.Crosswalk, a.Org)
	return a
}

// Catalogs is the catalog service over st with every importer and exporter.
func Catalogs(st catalog.Store) *catalog.Service {
	s := catalog.NewService(st, map[string]catalog.Parser{"jptext": jptext.Parse})
	s.SetParser("oscal", oscal.Parse)
	s.SetParser("xlsx", xlsxfmt.Parse)
	s.SetParser("json", kjson.Parse)
	s.SetMultiParser("ciso", ciso.ParseAll)
	s.SetExporter("oscal", oscal.Exporter)
	s.SetExporter("xlsx", xlsxfmt.Exporter)
	s.SetExporter("json", kjson.Exporter)
	return s
}

// StoreName is the engine's name shown on the home page.
func (a *App) StoreName() string {
	if a.DB.Dialect == store.Postgres {
		return "PostgreSQL"
	}
	return "SQLite"
}

// Close stops the services that hold queued work (the self-inspection
// writer) after committing it.
func (a *App) Close() { a.Selfcheck.Close() }

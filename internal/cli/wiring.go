package cli

import (
	"log/slog"

	"kitei/internal/selfcheck"
	"kitei/internal/store"
	"kitei/internal/web"
)

// webDeps wires every capability the web server serves over db. serve uses
// it, and so does the authorization matrix test, so a capability wired here
// is covered by that test automatically.
func webDeps(db *store.DB, logger *slog.Logger) web.Deps {
	return web.Deps{
		Store: db, Catalogs: catalogService(db), Crosswalk: crosswalkService(db), Org: orgService(db), Audit: db.Audit(),
		Selfcheck: selfcheck.NewService(db.Selfchecks(), catalogService(db)),
		Register:  registry(db),
		Approval:  approvalService(db),
		Auth:      authService(db), Logger: logger, Version: Version, StoreName: storeName(db),
	}
}

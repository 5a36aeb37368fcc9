package cli

import (
	"sync"

	"kitei/internal/app"
	"kitei/internal/approval"
	"kitei/internal/auth"
	"kitei/internal/catalog"
	"kitei/internal/crosswalk"
	"kitei/internal/org"
	"kitei/internal/register"
	"kitei/internal/store"
)

// apps holds the one composition root per open store, so a command builds
// each service once however many helpers ask for it.
var apps sync.Map // *store.DB → *app.App

func services(db *store.DB) *app.App {
	if a, ok := apps.Load(db); ok {
		return a.(*app.App)
	}
	a, _ := apps.LoadOrStore(db, app.New(db, nil))
	return a.(*app.App)
}

func catalogService(db *store.DB) *catalog.Service     { return services(db).Catalogs }
func crosswalkService(db *store.DB) *crosswalk.Service { return services(db).Crosswalk }
func orgService(db *store.DB) *org.Service             { return services(db).Org }
func registry(db *store.DB) *register.Registry         { return services(db).Register }
func approvalService(db *store.DB) *approval.Service   { return services(db).Approval }
func authService(db *store.DB) *auth.Service           { return services(db).Auth }
func storeName(db *store.DB) string                    { return services(db).StoreName() }

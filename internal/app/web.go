package app

import (
	"kitei/internal/api"
	"kitei/internal/httpx"
	"kitei/internal/web"
)

// WebOptions are the settings of the web server that are not services.
type WebOptions struct {
	// SecureCookies marks the session cookie Secure even on plain HTTP.
	SecureCookies bool
	Version       string
}

// API is the REST API over the app's services.
func (a *App) API(version string) *api.API {
	var extra []httpx.Route
	for _, m := range a.Modules() {
		extra = append(extra, m.API...)
	}
	return api.New(api.Deps{Catalogs: a.Catalogs, Org: a.Org, Selfcheck: a.Selfcheck, Crosswalk: a.Crosswalk,
		Approval: a.Approval, Register: a.Register, Logger: a.Logger, Version: version, Extra: extra})
}

// WebDeps are the web server's dependencies: every service, and the API
// routes mounted behind the same guard as the pages.
func (a *App) WebDeps(o WebOptions) web.Deps {
	a.Kit.Version = o.Version
	return web.Deps{
		Kit: a.Kit, Modules: a.Modules(),
		Store: a.DB, Catalogs: a.Catalogs, Crosswalk: a.Crosswalk, Org: a.Org, Audit: a.Audit,
		Selfcheck: a.Selfcheck, Register: a.Register, Approval: a.Approval, Auth: a.Auth,
		API: a.APIRoutes(o.Version), SecureCookies: o.SecureCookies,
		Logger: a.Logger, Version: o.Version, StoreName: a.StoreName(), SignInButtons: a.signInButtons(o),
	}
}

// APIRoutes is every REST route.
func (a *App) APIRoutes(version string) []httpx.Route { return a.API(version).Routes() }

// Web builds the web server.
func (a *App) Web(o WebOptions) (*web.Server, error) { return web.New(a.WebDeps(o)) }

// signInButtons lead to the configured OpenID providers.
func (a *App) signInButtons(o WebOptions) []web.SignInButton {
	a.OIDC.SecureCookies = o.SecureCookies
	var out []web.SignInButton
	for _, b := range a.OIDC.Buttons() {
		out = append(out, web.SignInButton{Href: b.Href, Label: b.Label})
	}
	return out
}

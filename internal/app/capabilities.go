package app

import (
	"os"

	"kitei/internal/capability"
	"kitei/internal/ops"
	"kitei/internal/scim"
)

// modules lists the capabilities built in the capability shape (see
// internal/capability). Adding one is one line here, over a service built
// in New.
func (a *App) modules() []capability.Module {
	return []capability.Module{
		ops.Module(a.Audit, a.DB.Selfchecks(), ops.ConfigFromEnv(os.Getenv), a.Auth.DisableLeavers),
		a.OIDC.Module(),
		(&scim.Service{Org: a.Org, Auth: a.Auth, Token: os.Getenv("KITEI_SCIM_TOKEN")}).Module(),
	}
}

// Modules is every capability module, built once.
func (a *App) Modules() []capability.Module {
	if a.mods == nil {
		a.mods = a.modules()
	}
	return a.mods
}

package web_test

import (
	"kitei/internal/api"
	"kitei/internal/web"
)

// withAPI mounts the REST API over d's services, as the composition root
// (internal/app) does for kitei serve.
func withAPI(d web.Deps) web.Deps {
	d.API = api.New(api.Deps{Catalogs: d.Catalogs, Org: d.Org, Selfcheck: d.Selfcheck, Crosswalk: d.Crosswalk,
		Approval: d.Approval, Register: d.Register, Logger: d.Logger, Version: d.Version}).Routes()
	return d
}

package web

import (
	"kitei/internal/api"
)

// allRoutes is the page routes plus the REST API, all behind the same guard.
func (s *Server) allRoutes() []route {
	rs := s.routes()
	rs = append(rs, s.selfcheckRoutes()...)
	rs = append(rs, s.registerRoutes()...)
	rs = append(rs, s.approvalRoutes()...)
	a := api.New(api.Deps{Catalogs: s.Catalogs, Org: s.Org, Selfcheck: s.Selfcheck, Crosswalk: s.Crosswalk, Approval: s.Approval, Register: s.Register, Logger: s.Logger, Version: s.Version})
	for _, r := range a.Routes() {
		rs = append(rs, route{pattern: r.Method + " " + r.Path, perm: r.Perm, handler: r.Handler})
	}
	return rs
}

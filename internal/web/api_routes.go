package web

// allRoutes is the page routes, the capability modules' pages and the REST
// API routes handed in by the composition root (the modules' API routes
// among them), all behind the same guard.
func (s *Server) allRoutes() []route {
	rs := s.routes()
	rs = append(rs, s.selfcheckRoutes()...)
	rs = append(rs, s.registerRoutes()...)
	rs = append(rs, s.approvalRoutes()...)
	for _, m := range s.Modules {
		for _, r := range m.Pages {
			rs = append(rs, route{pattern: r.Pattern(), perm: r.Perm, handler: r.Handler})
		}
	}
	for _, r := range s.API {
		rs = append(rs, route{pattern: r.Pattern(), perm: r.Perm, handler: r.Handler})
	}
	return rs
}

// Package capability is the contract between a capability (incidents,
// education, audit …) and the composition root. A capability's folder
// builds one Module; internal/app lists the modules, and the web server,
// the REST API, the job runner and the authorization matrix take
// everything else from there:
//
//	Pages and API  routes, each with the permission the guard checks
//	Nav            its entries in the main navigation
//	Templates      its page templates and template functions
//	Jobs           its background work, claimed in the store per run
//	Matrix         the records the authorization matrix test points at
//
// Permissions are declared in the capability's own package with
// authz.Define, which also grants them to the built-in roles.
package capability

import (
	"context"
	"time"

	"kitei/internal/httpx"
	"kitei/internal/notify"
	"kitei/internal/webui"
)

// Module is everything one capability adds to kitei.
type Module struct {
	Name      string
	Pages     []httpx.Route
	API       []httpx.Route
	Nav       []webui.NavEntry
	Templates *webui.Templates
	Jobs      []Job
	// Serve, when set, runs once as a server starts, before the jobs:
	// stores built-in defaults and takes the mailer (nil: no e-mail).
	Serve func(ctx context.Context, mailer notify.Mailer) error
	// Overview feeds the home page (to-dos, figures) and the annual report.
	Overview Overview
	// Matrix builds the capability's records for the authorization matrix
	// and says where each of its guarded routes points (nil: no guarded
	// routes).
	Matrix func(ctx context.Context, f *MatrixFixture) (map[string]Target, error)
}

// Job is one background task, run every Interval until ctx ends. Each run
// claims its work in the store, so several replicas do it once.
type Job struct {
	Name     string
	Interval time.Duration
	Run      func(ctx context.Context, owner string, interval time.Duration, logf func(msg string, args ...any))
}

// Package authz names the permissions that guard kitei's routes and decides
// whether a principal holds one, and for which units. Every web and API
// route declares exactly one permission; the route table is walked by the
// authorization matrix test.
package authz

// Permission is a named right. Public routes need no sign-in; Authenticated
// routes need only a signed-in user (their own profile, password, TOTP).
type Permission string

const (
	Public        Permission = "public"        // health check, static files, sign-in page
	Authenticated Permission = "authenticated" // any signed-in user: own account pages

	CatalogRead  Permission = "catalog.read"  // browse and search catalogs
	CatalogWrite Permission = "catalog.write" // import catalogs and new editions

	CrosswalkRead  Permission = "crosswalk.read"  // links between catalogs, gap reports, edition diffs
	CrosswalkWrite Permission = "crosswalk.write" // store suggestions, confirm and reject links

	OrgRead  Permission = "org.read"  // see units, people and appointments in scope
	OrgWrite Permission = "org.write" // change units, people, roles and appointments in scope

	UserAdmin Permission = "user.admin" // accounts, password policy, sessions of others
	AuditRead Permission = "audit.read" // the audit trail

	SelfcheckAdmin  Permission = "selfcheck.admin"  // build, publish and close self-inspection campaigns; all results
	SelfcheckFollow Permission = "selfcheck.follow" // progress, reminders and results of the units in scope
	SelfcheckAnswer Permission = "selfcheck.answer" // answer one's own checklist

	RequestFile   Permission = "request.file"   // file and follow one's own requests (例外措置, 持出し…); read the inbox
	RequestDecide Permission = "request.decide" // decide requests routed to oneself; ledgers of the units in scope
	RequestReport Permission = "request.report" // every ledger, the overdue report and the report to the CISO
	RequestAdmin  Permission = "request.admin"  // edit request types

	RegisterRead  Permission = "register.read"  // information assets, systems and services in scope (機密性3 only when named)
	RegisterWrite Permission = "register.write" // register and change them in scope; an ISSO for their systems
	RegisterAdmin Permission = "register.admin" // classification scheme and bulk import
)

// All lists every permission a role can be granted (Public and
// Authenticated are not grants).
var All = []Permission{CatalogRead, CatalogWrite, OrgRead, OrgWrite, UserAdmin, AuditRead,
	SelfcheckAdmin, SelfcheckFollow, SelfcheckAnswer, CrosswalkRead, CrosswalkWrite,
	RequestFile, RequestDecide, RequestReport, RequestAdmin, RegisterRead, RegisterWrite, RegisterAdmin}

// Package authz names the permissions that guard kitei's routes and decides
// whether a principal holds one. Every web and API route declares exactly
// one permission; the route table is walked by the authorization matrix test.
package authz

// Permission is a named right. Public routes need no sign-in.
type Permission string

const (
	Public       Permission = "public"        // health check, static files, sign-in page
	CatalogRead  Permission = "catalog.read"  // browse and search catalogs
	CatalogWrite Permission = "catalog.write" // import catalogs and new editions
)

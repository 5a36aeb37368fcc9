package authz

import "fmt"

// Define declares a capability's permission and grants it to the built-in
// roles listed. Capabilities call it in a package-level var, so every
// permission is known before the first request:
//
//	var IncidentTriage = authz.Define("incident.triage", authz.RoleCSIRTChief, authz.RoleCSIRTMember)
//
// Defining a permission twice is a programming error and panics.
func Define(name string, roles ...string) Permission {
	p := Permission(name)
	for _, q := range All {
		if q == p {
			panic(fmt.Sprintf("authz: permission %q defined twice", name))
		}
	}
	All = append(All, p)
	for _, r := range roles {
		rolePermissions[r] = append(rolePermissions[r], p)
	}
	return p
}

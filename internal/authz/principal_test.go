package authz

import "testing"

func TestScopedGrants(t *testing.T) {
	officer := &Principal{Grants: []Grant{{Role: RoleDivisionISO, UnitPath: "/1/2/"}, {Role: RoleStaff, UnitPath: "/1/2/"}}}
	if !officer.CanIn(OrgRead, "/1/2/") || !officer.CanIn(OrgRead, "/1/2/7/") {
		t.Error("officer cannot read own unit or below")
	}
	if officer.CanIn(OrgRead, "/1/3/") || officer.CanIn(OrgRead, "/1/") {
		t.Error("officer reads a foreign or parent unit")
	}
	if officer.CanIn(OrgWrite, "/1/2/") || officer.Can(CatalogWrite) || officer.Can(UserAdmin) {
		t.Error("officer holds write or admin rights")
	}
	// A path prefix must match whole segments: /1/2/ does not cover /1/20/.
	if officer.CanIn(OrgRead, "/1/20/") {
		t.Error("prefix matched a different unit")
	}
	chief := &Principal{Grants: []Grant{{Role: RoleChiefISO}}}
	if !chief.CanIn(OrgWrite, "/9/9/") || !chief.Can(CatalogWrite) {
		t.Error("organisation-wide role not honoured")
	}
	if paths, all := officer.Scopes(OrgRead); all || len(paths) != 1 {
		t.Errorf("scopes = %v %v", paths, all)
	}
	var nobody *Principal
	if nobody.Can(CatalogRead) || !nobody.Can(Public) {
		t.Error("anonymous rights wrong")
	}
	isso := &Principal{Grants: []Grant{{Role: RoleISSO, System: "SYS-1"}}}
	if !isso.Can(CatalogRead) || isso.CanIn(CatalogRead, "/1/") || isso.CanIn(OrgRead, "/1/") {
		t.Error("system-scoped grant misapplied")
	}
}

package incident

import (
	"context"
	"sort"

	"kitei/internal/authz"
	"kitei/internal/org"
)

// Contact is one line of the emergency contact list (緊急連絡網): who, in
// which role, how to reach them, and what to report to them.
type Contact struct {
	Order    int    `json:"order"`
	Role     string `json:"role"`
	RoleName string `json:"role_name"`
	UnitName string `json:"unit_name"`
	System   string `json:"system,omitempty"`
	Person   string `json:"person"`
	Means    string `json:"means"`   // message key of the means ("incident.means.email")
	Address  string `json:"address"` // e-mail address
	What     string `json:"what"`    // message key of what to report
}

// contactRoles are the roles of the response structure, in the order the
// list calls them: the reporting desk and CSIRT first, then the unit's
// officers, the ISSOs, the 統括 and the CISO.
var contactRoles = []struct {
	role, what string
	unit       bool
}{
	{authz.RoleCSIRTChief, "incident.what.csirt", false},
	{authz.RoleCSIRTMember, "incident.what.csirt", false},
	{authz.RoleDivisionISO, "incident.what.unit", true},
	{authz.RoleISO, "incident.what.unit", true},
	{authz.RoleISSO, "incident.what.isso", true},
	{authz.RoleChiefISO, "incident.what.chief", false},
	{authz.RoleCISO, "incident.what.ciso", false},
}

// Contacts is the emergency contact list for unit unitID (0: the whole
// organisation): the organisation-wide response structure and the
// officers of the unit and the units above it, taken from today's
// appointments.
func (s *Service) Contacts(ctx context.Context, p *authz.Principal, unitID int64) ([]Contact, error) {
	if err := authz.Require(p, Report); err != nil {
		return nil, err
	}
	inUnit := map[int64]bool{}
	if unitID != 0 {
		u, err := s.org.Unit(ctx, unitID)
		if err != nil {
			return nil, err
		}
		for _, id := range pathIDs(u.Path) {
			inUnit[id] = true
		}
	}
	var out []Contact
	for i, cr := range contactRoles {
		as, err := s.org.Contacts(ctx, cr.role, 0, s.now(), authz.Everywhere)
		if err != nil {
			continue // a role the organisation has not defined
		}
		for _, a := range as {
			if cr.unit && unitID != 0 && !inUnit[a.UnitID] {
				continue
			}
			if a.PersonStatus == org.StatusLeft {
				continue
			}
			out = append(out, Contact{Order: i, Role: a.RoleKey, RoleName: a.RoleName, UnitName: a.UnitName, System: a.SystemRef,
				Person: a.PersonName, Means: "incident.means.email", Address: a.PersonEmail, What: cr.what})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out, nil
}

// Units lists the open units for the contact list's choice.
func (s *Service) Units(ctx context.Context) ([]org.Unit, error) {
	return s.org.Units(ctx, org.UnitFilter{Scope: authz.Everywhere})
}

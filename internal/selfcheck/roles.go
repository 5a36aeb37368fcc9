package selfcheck

import (
	"sort"
	"strings"

	"kitei/internal/authz"
)

// RoleName is an entry of the organisation's role catalogue as the mapper
// sees it.
type RoleName struct {
	Key  string
	Name string
}

// SubjectAliases maps the ways rulebooks name a subject to role keys when
// the wording is not a role name of the catalogue. The office can change
// any item's roles afterwards; this only pre-fills them.
var SubjectAliases = map[string][]string{
	"業務従事者":     {authz.RoleStaff},
	"行政事務従事者":   {authz.RoleStaff},
	"役職員等":      {authz.RoleStaff},
	"役職員":       {authz.RoleStaff},
	"職員":        {authz.RoleStaff},
	"職員等":       {authz.RoleStaff},
	"従業員":       {authz.RoleStaff},
	"情報取扱事務従事者": {authz.RoleStaff},
	"利用者":       {authz.RoleStaff},
	"CISO":      {authz.RoleCISO},
	"統括責任者":     {authz.RoleChiefISO},
	"課等情報セキュリティ責任者":   {authz.RoleDivisionISO},
	"課室情報セキュリティ責任者":   {authz.RoleDivisionISO},
	"部局情報セキュリティ責任者":   {authz.RoleISO},
	"情報システムセキュリティ責任者": {authz.RoleISSO},
	"情報システムセキュリティ管理者": {authz.RoleISSAdmin},
	"監査責任者":    {authz.RoleAuditChief},
	"CSIRT":    {authz.RoleCSIRTChief},
	"CSIRT責任者": {authz.RoleCSIRTChief},
}

// RoleMapper pre-fills an item's roles from its requirement's subject.
type RoleMapper struct {
	names   []RoleName // longest name first
	aliases map[string][]string
}

// NewRoleMapper builds a mapper over the role catalogue and the aliases
// (SubjectAliases when nil).
func NewRoleMapper(roles []RoleName, aliases map[string][]string) *RoleMapper {
	if aliases == nil {
		aliases = SubjectAliases
	}
	m := &RoleMapper{aliases: aliases}
	for _, r := range roles {
		if r.Name != "" && r.Key != "" {
			m.names = append(m.names, r)
		}
	}
	sort.SliceStable(m.names, func(i, j int) bool { return len(m.names[i].Name) > len(m.names[j].Name) })
	return m
}

// BuiltinRoleNames is the shipped role catalogue, for callers without an
// organisation store at hand.
func BuiltinRoleNames() []RoleName {
	out := make([]RoleName, 0, len(authz.Builtin))
	for _, r := range authz.Builtin {
		out = append(out, RoleName{Key: r.Key, Name: r.Name})
	}
	return out
}

// subjectSeparators split subjects naming several roles
// (「統括情報セキュリティ責任者及び情報セキュリティ責任者」).
var subjectSeparators = strings.NewReplacer("及び", "\x00", "並びに", "\x00", "又は", "\x00", "若しくは", "\x00",
	"、", "\x00", "，", "\x00", "・", "\x00")

// Map returns the role keys a subject names, nil when it names none the
// mapper knows. Each part of the subject is matched exactly against role
// names and aliases first, then by the longest role name or alias it
// contains.
func (m *RoleMapper) Map(subject string) []string {
	subject = strings.TrimSpace(subject)
	if subject == "" {
		return nil
	}
	var out []string
	add := func(keys ...string) {
		for _, k := range keys {
			dup := false
			for _, o := range out {
				dup = dup || o == k
			}
			if !dup {
				out = append(out, k)
			}
		}
	}
	for _, part := range strings.Split(subjectSeparators.Replace(subject), "\x00") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if keys := m.exact(part); keys != nil {
			add(keys...)
			continue
		}
		add(m.contained(part)...)
	}
	return out
}

func (m *RoleMapper) exact(part string) []string {
	for _, r := range m.names {
		if r.Name == part {
			return []string{r.Key}
		}
	}
	return m.aliases[part]
}

// contained finds the longest role name or alias inside part.
func (m *RoleMapper) contained(part string) []string {
	var best []string
	bestLen := 0
	for _, r := range m.names {
		if len(r.Name) > bestLen && strings.Contains(part, r.Name) {
			best, bestLen = []string{r.Key}, len(r.Name)
		}
	}
	for alias, keys := range m.aliases {
		if len(alias) > bestLen && strings.Contains(part, alias) {
			best, bestLen = keys, len(alias)
		}
	}
	return best
}

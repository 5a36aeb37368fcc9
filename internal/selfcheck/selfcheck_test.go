package selfcheck

import (
	"strings"
	"testing"

	"kitei/internal/apperr"
	"kitei/internal/authz"
)

func TestRoleMapper(t *testing.T) {
	m := NewRoleMapper(BuiltinRoleNames(), nil)
	for subject, want := range map[string]string{
		"統括情報セキュリティ責任者":    authz.RoleChiefISO,
		"情報セキュリティ責任者":      authz.RoleISO,
		"課室情報セキュリティ責任者":    authz.RoleDivisionISO,
		"業務従事者":            authz.RoleStaff,
		"行政事務従事者":          authz.RoleStaff,
		"役職員等":             authz.RoleStaff,
		"最高情報セキュリティ責任者":    authz.RoleCISO,
		"情報システムセキュリティ責任者":  authz.RoleISSO,
		"各情報システムセキュリティ責任者": authz.RoleISSO,
		"統括情報セキュリティ責任者及び情報セキュリティ責任者": authz.RoleChiefISO + " " + authz.RoleISO,
		"許可権限者": "",
	} {
		if got := strings.Join(m.Map(subject), " "); got != want {
			t.Errorf("%s → %q, want %q", subject, got, want)
		}
	}
}

func TestAnswerRules(t *testing.T) {
	for _, s := range []string{"yes", "partial", "no", "na", "実施している", "一部実施", "実施していない", "該当なし"} {
		if _, err := ParseValue(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	if _, err := ParseValue("たぶん"); !apperr.Is(err, apperr.Invalid) {
		t.Error("bad value accepted")
	}
	if _, err := CheckAnswer(No, ""); !apperr.Is(err, apperr.Invalid) {
		t.Error("no without comment accepted")
	}
	if _, err := CheckAnswer(NA, ""); err != nil {
		t.Error(err)
	}
	c := Campaign{Name: "x", Status: Published, OpensOn: "2026-10-01", ClosesOn: "2026-10-31"}
	if c.AcceptsOn("2026-10-31") != nil || c.AcceptsOn("2026-11-01") == nil || c.AcceptsOn("2026-09-30") == nil {
		t.Error("open window wrong")
	}
}

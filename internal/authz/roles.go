package authz

// Role keys of the built-in role catalogue (from the seed rulebooks). An
// organisation may rename them or add roles; the keys stay stable because
// permissions are granted by key.
const (
	RoleCISO          = "ciso"            // 最高情報セキュリティ責任者
	RoleDeputyCISO    = "deputy_ciso"     // 最高情報セキュリティ副責任者
	RoleChiefISO      = "chief_iso"       // 統括情報セキュリティ責任者
	RoleSecOffice     = "security_office" // 統括情報セキュリティ責任者を補佐する担当者（事務局）
	RoleISO           = "iso"             // 情報セキュリティ責任者 (部)
	RoleDivisionISO   = "division_iso"    // 課室情報セキュリティ責任者 (課室)
	RoleAreaISO       = "area_iso"        // 区域情報セキュリティ責任者
	RoleISSO          = "isso"            // 情報システムセキュリティ責任者
	RoleISSAdmin      = "iss_admin"       // 情報システムセキュリティ管理者
	RoleAuditChief    = "audit_chief"     // 情報セキュリティ監査責任者
	RoleAuditor       = "auditor"         // 監査実施者
	RoleCSIRTChief    = "csirt_chief"     // CSIRT責任者
	RoleCSIRTMember   = "csirt_member"    // CSIRT要員
	RoleStaff         = "staff"           // 業務従事者
	RoleAdministrator = "administrator"   // kitei のシステム管理者
)

// BuiltinRole describes a role of the shipped catalogue.
type BuiltinRole struct {
	Key        string
	Name       string // Japanese, as the rulebooks say it
	NameEn     string
	Scope      string // organisation, unit or system
	Privileged bool   // privileged password policy and TOTP by default
}

// Builtin is the role catalogue a new organisation starts with.
var Builtin = []BuiltinRole{
	{RoleCISO, "最高情報セキュリティ責任者", "Chief Information Security Officer (CISO)", "organisation", true},
	{RoleDeputyCISO, "最高情報セキュリティ副責任者", "Deputy CISO", "organisation", true},
	{RoleChiefISO, "統括情報セキュリティ責任者", "Chief Information Security Manager", "organisation", true},
	{RoleSecOffice, "情報セキュリティ担当（事務局）", "Security office staff", "organisation", true},
	{RoleISO, "情報セキュリティ責任者", "Information Security Officer (department)", "unit", true},
	{RoleDivisionISO, "課室情報セキュリティ責任者", "Division Information Security Officer", "unit", true},
	{RoleAreaISO, "区域情報セキュリティ責任者", "Area Security Officer", "unit", false},
	{RoleISSO, "情報システムセキュリティ責任者", "Information System Security Officer (ISSO)", "system", true},
	{RoleISSAdmin, "情報システムセキュリティ管理者", "Information System Security Administrator", "system", true},
	{RoleAuditChief, "情報セキュリティ監査責任者", "Chief Auditor", "organisation", true},
	{RoleAuditor, "情報セキュリティ監査実施者", "Auditor", "organisation", false},
	{RoleCSIRTChief, "CSIRT責任者", "CSIRT lead", "organisation", true},
	{RoleCSIRTMember, "CSIRT要員", "CSIRT member", "organisation", false},
	{RoleStaff, "業務従事者", "Staff member", "unit", false},
	{RoleAdministrator, "kitei システム管理者", "kitei administrator", "organisation", true},
}

// rolePermissions grants permissions by role key. A unit-scoped role holds
// them for its unit and the units below it; an organisation-scoped role
// holds them everywhere.
var rolePermissions = map[string][]Permission{
	RoleCISO:          {CatalogRead, OrgRead, AuditRead, SelfcheckFollow, CrosswalkRead, RegisterRead, RequestFile, RequestDecide, RequestReport},
	RoleDeputyCISO:    {CatalogRead, OrgRead, AuditRead, CrosswalkRead, RequestFile, RequestDecide, RequestReport},
	RoleChiefISO:      {CatalogRead, CatalogWrite, OrgRead, OrgWrite, AuditRead, SelfcheckAdmin, SelfcheckFollow, CrosswalkRead, CrosswalkWrite, RegisterRead, RegisterWrite, RegisterAdmin, RequestFile, RequestDecide, RequestReport, RequestAdmin},
	RoleSecOffice:     {CatalogRead, CatalogWrite, OrgRead, OrgWrite, SelfcheckAdmin, SelfcheckFollow, CrosswalkRead, CrosswalkWrite, RegisterRead, RegisterWrite, RegisterAdmin, RequestFile, RequestReport, RequestAdmin},
	RoleISO:           {CatalogRead, OrgRead, SelfcheckFollow, CrosswalkRead, RegisterRead, RegisterWrite, RequestDecide},
	RoleDivisionISO:   {CatalogRead, OrgRead, SelfcheckFollow, CrosswalkRead, RegisterRead, RegisterWrite, RequestDecide},
	RoleAreaISO:       {CatalogRead, CrosswalkRead},
	RoleISSO:          {CatalogRead, CrosswalkRead, RegisterRead, RegisterWrite},
	RoleISSAdmin:      {CatalogRead, CrosswalkRead},
	RoleAuditChief:    {CatalogRead, OrgRead, AuditRead, CrosswalkRead, RequestFile, RequestReport},
	RoleAuditor:       {CatalogRead, OrgRead, CrosswalkRead},
	RoleCSIRTChief:    {CatalogRead, OrgRead, CrosswalkRead},
	RoleCSIRTMember:   {CatalogRead, CrosswalkRead},
	RoleStaff:         {CatalogRead, SelfcheckAnswer, CrosswalkRead, RequestFile},
	RoleAdministrator: {CatalogRead, CatalogWrite, OrgRead, OrgWrite, UserAdmin, AuditRead, SelfcheckAdmin, SelfcheckFollow, SelfcheckAnswer, CrosswalkRead, CrosswalkWrite, RegisterAdmin, RequestFile, RequestReport, RequestAdmin},
}

// RolePermissions returns the permissions a role key grants.
func RolePermissions(role string) []Permission { return rolePermissions[role] }

package register

import (
	"regexp"
	"strings"
	"time"

	"kitei/internal/org"
)

// Kinds of register, as the CLI, the import files and the history name them.
const (
	KindAssets   = "assets"
	KindSystems  = "systems"
	KindServices = "services"
)

// Kinds lists the registers in the order they are imported (services
// before the systems that use them).
var Kinds = []string{KindAssets, KindServices, KindSystems}

// Lifecycle stages of an information system.
const (
	StagePlanning    = "planning"    // 企画
	StageProcurement = "procurement" // 調達・構築
	StageOperation   = "operation"   // 運用・保守
	StageRetirement  = "retirement"  // 更改・廃棄
)

// Stages lists the lifecycle stages in order.
var Stages = []string{StagePlanning, StageProcurement, StageOperation, StageRetirement}

var stageNames = map[string]string{StagePlanning: "企画", StageProcurement: "調達・構築", StageOperation: "運用・保守", StageRetirement: "更改・廃棄"}

// StageName is the Japanese name of a stage.
func StageName(s string) string { return stageNames[s] }

// ParseStage accepts a stage key or its Japanese name.
func ParseStage(t string) (string, bool) {
	t = strings.TrimSpace(t)
	for _, s := range Stages {
		if t == s || t == stageNames[s] {
			return s, true
		}
	}
	return "", false
}

// Service kinds.
const (
	ServiceCloud       = "cloud"       // クラウドサービス
	ServiceOutsourcing = "outsourcing" // 業務委託
)

// PersonRef names a person on a record.
type PersonRef struct {
	ID         int64  `json:"id"`
	EmployeeNo string `json:"employee_no"`
	Name       string `json:"name"`
}

// Asset is an entry of the 情報資産管理台帳.
type Asset struct {
	ID        int64  `json:"id"`
	Code      string `json:"code"` // the organisation's own id, unique; imports match by it
	Name      string `json:"name"`
	Kind      string `json:"kind"` // 文書, データベース, 紙 … (free text)
	UnitID    int64  `json:"unit_id"`
	DeciderID int64  `json:"decider_id"` // 決定者: who classified it
	DecidedOn string `json:"decided_on"` // when
	C         int    `json:"c"`
	I         int    `json:"i"` // 0 for paper
	A         int    `json:"a"` // 0 for paper
	Paper     bool   `json:"paper"`
	// Restrictions holds scheme restriction keys and free restrictions.
	Restrictions []string `json:"restrictions"`
	Location     string   `json:"location"`    // 媒体・保存先
	Retention    string   `json:"retention"`   // 保存期間
	UsersScope   string   `json:"users_scope"` // 利用者範囲
	// Named are the people allowed to see an asset at or above NamedFrom.
	Named      []int64 `json:"named"`
	SourceID   int64   `json:"source_id"` // the asset this one is a copy of
	Likelihood int     `json:"likelihood"`
	Note       string  `json:"note"`
	Retired    bool    `json:"retired"`
	// Filled on reads.
	UnitCode    string      `json:"unit_code,omitempty"`
	UnitName    string      `json:"unit_name,omitempty"`
	UnitPath    string      `json:"-"`
	Decider     PersonRef   `json:"decider"`
	SourceCode  string      `json:"source_code,omitempty"`
	NamedPeople []PersonRef `json:"named_people,omitempty"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// System is an entry of the 情報システム台帳.
type System struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"` // also the system reference of ISSO appointments
	Name    string `json:"name"`
	Purpose string `json:"purpose"`
	UnitID  int64  `json:"unit_id"`
	ISSOID  int64  `json:"isso_id"`
	Stage   string `json:"stage"`
	// The classification of the information the system holds.
	C           int      `json:"c"`
	I           int      `json:"i"`
	A           int      `json:"a"`
	Components  []string `json:"components"`
	Connections []string `json:"connections"`
	// Services are codes of the cloud services and outsourcing it uses.
	Services []string `json:"services"`
	// Requirements are the security requirements chosen: catalog nodes.
	Requirements []Requirement `json:"requirements"`
	Note         string        `json:"note"`
	Retired      bool          `json:"retired"`
	// Filled on reads.
	UnitCode  string    `json:"unit_code,omitempty"`
	UnitName  string    `json:"unit_name,omitempty"`
	UnitPath  string    `json:"-"`
	ISSO      PersonRef `json:"isso"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Requirement is a catalog node chosen as a system's security requirement.
type Requirement struct {
	CatalogID int64  `json:"catalog_id"`
	Ref       string `json:"ref"`
}

// String writes a requirement as catalog:ref, the import layout.
func (r Requirement) String() string { return itoa(r.CatalogID) + ":" + r.Ref }

// Subcontract is an approved subcontracting (再委託) of a service.
type Subcontract struct {
	Name       string `json:"name"`
	ApprovedOn string `json:"approved_on"`
	ApprovedBy string `json:"approved_by"`
}

// ExitItem is one step of a service's exit checklist.
type ExitItem struct {
	Key  string `json:"key"`
	Done bool   `json:"done"`
}

// ExitSteps are the exit (data return and deletion) checks of a service.
var ExitSteps = []string{"data_returned", "data_deleted", "accounts_deleted", "deletion_certified"}

var exitNames = map[string]string{"data_returned": "データの返却", "data_deleted": "データの消去", "accounts_deleted": "アカウントの削除", "deletion_certified": "消去証明の受領"}

// ExitName is the Japanese name of an exit step.
func ExitName(k string) string { return exitNames[k] }

// Service is a cloud service or an outsourcing contract.
type Service struct {
	ID           int64  `json:"id"`
	Code         string `json:"code"`
	Name         string `json:"name"`
	Kind         string `json:"kind"` // cloud, outsourcing
	Provider     string `json:"provider"`
	UnitID       int64  `json:"unit_id"`
	ISMAP        bool   `json:"ismap"`
	ISMAPNo      string `json:"ismap_no"`
	DataLocation string `json:"data_location"`
	ContractFrom string `json:"contract_from"`
	ContractTo   string `json:"contract_to"`
	ManagerID    int64  `json:"manager_id"` // サービス管理者
	// C is the highest confidentiality level the service may handle.
	C              int           `json:"c"`
	Subcontracting []Subcontract `json:"subcontracting"`
	Exit           []ExitItem    `json:"exit"`
	Note           string        `json:"note"`
	Retired        bool          `json:"retired"`
	// Filled on reads.
	UnitCode  string    `json:"unit_code,omitempty"`
	UnitName  string    `json:"unit_name,omitempty"`
	UnitPath  string    `json:"-"`
	Manager   PersonRef `json:"manager"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ExitDone reports whether step k is checked.
func (s *Service) ExitDone(k string) bool {
	for _, e := range s.Exit {
		if e.Key == k {
			return e.Done
		}
	}
	return false
}

// Change is one entry of a record's history.
type Change struct {
	ID       int64          `json:"id"`
	Kind     string         `json:"kind"`
	EntityID int64          `json:"entity_id"`
	At       time.Time      `json:"at"`
	Actor    string         `json:"actor"`
	ActorID  int64          `json:"actor_id"`
	Action   string         `json:"action"` // create, update, reclassify, copy, retire, reinstate, import, notice
	Detail   map[string]any `json:"detail,omitempty"`
}

// Audit actions of the registers.
const (
	ActionAssetCreate      = "register.asset_create"
	ActionAssetUpdate      = "register.asset_update"
	ActionAssetReclassify  = "register.asset_reclassify"
	ActionAssetRetire      = "register.asset_retire" // retired or put back in use
	ActionReclassifyDenied = "register.reclassify_denied"
	ActionSystemCreate     = "register.system_create"
	ActionSystemUpdate     = "register.system_update"
	ActionServiceCreate    = "register.service_create"
	ActionServiceUpdate    = "register.service_update"
	ActionSchemeUpdate     = "register.scheme_update"
	ActionImport           = "register.import"
)

var codeRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._\-]{0,39}$`)

func checkCode(field, v string) error {
	if !codeRe.MatchString(v) {
		return invalid("register.err.use_letters_digits_at_most", field, v)
	}
	return nil
}

func trim(ps ...*string) {
	for _, p := range ps {
		*p = strings.TrimSpace(*p)
	}
}

// Validate checks an asset against the scheme.
func (a *Asset) Validate(s *Scheme) error {
	trim(&a.Code, &a.Name, &a.Kind, &a.DecidedOn, &a.Location, &a.Retention, &a.UsersScope, &a.Note)
	if err := checkCode("asset id", a.Code); err != nil {
		return err
	}
	for _, f := range []struct {
		name, v  string
		required bool
		max      int
	}{{"name", a.Name, true, 200}, {"kind", a.Kind, false, 60}, {"location", a.Location, false, 200},
		{"retention", a.Retention, false, 100}, {"users' scope", a.UsersScope, false, 300}, {"note", a.Note, false, 1000}} {
		if err := checkText(f.name, f.v, f.required, f.max); err != nil {
			return err
		}
	}
	if a.UnitID == 0 {
		return invalid("register.err.owner_unit_required")
	}
	if a.DeciderID == 0 {
		return invalid("register.err.who_classified_required")
	}
	if err := org.CheckDate("decided on", a.DecidedOn); err != nil {
		return err
	}
	if err := checkLevel(s, AxisC, a.C, true); err != nil {
		return err
	}
	if a.Paper {
		if a.I != 0 || a.A != 0 {
			return invalid("register.err.paper_carries_confidentiality_leave_integrity")
		}
	} else {
		if err := checkLevel(s, AxisI, a.I, false); err != nil {
			return err
		}
		if err := checkLevel(s, AxisA, a.A, false); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	out := a.Restrictions[:0]
	for _, r := range a.Restrictions {
		k, ok := s.ParseRestriction(r)
		if !ok {
			return invalid("register.err.handling_restriction_at_most_characters", r)
		}
		if !seen[k] {
			out = append(out, k)
			seen[k] = true
		}
	}
	a.Restrictions = out
	if _, ok := s.ParseLikelihood(itoa(int64(a.Likelihood))); a.Likelihood != 0 && !ok {
		return invalid("register.err.likelihood_on_scale", a.Likelihood)
	}
	if a.C >= s.NamedFrom && len(a.Named) == 0 {
		return invalid("register.err.information_name_people_who_see", s.LevelName(AxisC, a.C))
	}
	if a.SourceID != 0 && a.SourceID == a.ID {
		return invalid("register.err.asset_cannot_copy_itself")
	}
	return nil
}

func checkLevel(s *Scheme, axis string, v int, required bool) error {
	ax := s.Axis(axis)
	if v == 0 {
		if required {
			return invalid("register.err.level_required", ax.Name)
		}
		return nil
	}
	if _, ok := ax.Level(v); !ok {
		return invalid("register.err.level", v, ax.Name)
	}
	return nil
}

// Validate checks a system.
func (y *System) Validate(s *Scheme) error {
	trim(&y.Code, &y.Name, &y.Purpose, &y.Note)
	if err := checkCode("system id", y.Code); err != nil {
		return err
	}
	if err := checkText("name", y.Name, true, 200); err != nil {
		return err
	}
	if err := checkText("purpose", y.Purpose, false, 1000); err != nil {
		return err
	}
	if err := checkText("note", y.Note, false, 1000); err != nil {
		return err
	}
	if y.UnitID == 0 {
		return invalid("register.err.owner_unit_required")
	}
	// The ISSO is appointed before planning starts (seed 000 2.1.1), so no
	// system is registered without one.
	if y.ISSOID == 0 {
		return invalid("register.err.isso_named_before_planning_starts")
	}
	if _, ok := ParseStage(y.Stage); !ok {
		return invalid("register.err.stage_planning_procurement_operation_retirement", y.Stage)
	}
	for _, c := range []struct {
		axis string
		v    int
	}{{AxisC, y.C}, {AxisI, y.I}, {AxisA, y.A}} {
		if err := checkLevel(s, c.axis, c.v, false); err != nil {
			return err
		}
	}
	var err error
	if y.Components, err = cleanList("component", y.Components, 200); err != nil {
		return err
	}
	if y.Connections, err = cleanList("connection", y.Connections, 200); err != nil {
		return err
	}
	if y.Services, err = cleanList("service", y.Services, 40); err != nil {
		return err
	}
	for _, c := range y.Services {
		if err := checkCode("service id", c); err != nil {
			return err
		}
	}
	seen := map[Requirement]bool{}
	reqs := y.Requirements[:0]
	for _, r := range y.Requirements {
		r.Ref = strings.TrimSpace(r.Ref)
		if r.CatalogID <= 0 || r.Ref == "" || strings.ContainsAny(r.Ref, ";\r\n\t") {
			return invalid("register.err.security_requirement_catalog_node_ref", r.String())
		}
		if !seen[r] {
			reqs = append(reqs, r)
			seen[r] = true
		}
	}
	y.Requirements = reqs
	return nil
}

// Validate checks a service.
func (v *Service) Validate(s *Scheme) error {
	trim(&v.Code, &v.Name, &v.Kind, &v.Provider, &v.ISMAPNo, &v.DataLocation, &v.ContractFrom, &v.ContractTo, &v.Note)
	if err := checkCode("service id", v.Code); err != nil {
		return err
	}
	for _, f := range []struct {
		name, v  string
		required bool
		max      int
	}{{"name", v.Name, true, 200}, {"provider", v.Provider, true, 200}, {"ISMAP number", v.ISMAPNo, false, 40},
		{"data location", v.DataLocation, false, 200}, {"note", v.Note, false, 1000}} {
		if err := checkText(f.name, f.v, f.required, f.max); err != nil {
			return err
		}
	}
	switch v.Kind {
	case ServiceCloud, ServiceOutsourcing:
	default:
		return invalid("register.err.kind_cloud_outsourcing", v.Kind)
	}
	if v.UnitID == 0 {
		return invalid("register.err.owner_unit_required")
	}
	if v.ISMAPNo != "" && !v.ISMAP {
		return invalid("register.err.ismap_number_given_service_marked")
	}
	for _, d := range [][2]string{{"contract start", v.ContractFrom}, {"contract end", v.ContractTo}} {
		if err := org.CheckDate(d[0], d[1]); err != nil {
			return err
		}
	}
	if v.ContractFrom != "" && v.ContractTo != "" && v.ContractTo < v.ContractFrom {
		return invalid("register.err.contract_ends_before_starts")
	}
	if err := checkLevel(s, AxisC, v.C, false); err != nil {
		return err
	}
	for i := range v.Subcontracting {
		sc := &v.Subcontracting[i]
		trim(&sc.Name, &sc.ApprovedOn, &sc.ApprovedBy)
		if err := checkText("subcontractor", sc.Name, true, 200); err != nil {
			return err
		}
		if err := checkText("approved by", sc.ApprovedBy, false, 100); err != nil {
			return err
		}
		if err := org.CheckDate("approved on", sc.ApprovedOn); err != nil {
			return err
		}
	}
	exit := make([]ExitItem, 0, len(ExitSteps))
	for _, k := range ExitSteps {
		exit = append(exit, ExitItem{Key: k, Done: v.ExitDone(k)})
	}
	v.Exit = exit
	return nil
}

func cleanList(field string, in []string, max int) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, x := range in {
		x = strings.TrimSpace(x)
		if x == "" || seen[x] {
			continue
		}
		if err := checkText(field, x, false, max); err != nil {
			return nil, err
		}
		if strings.ContainsAny(x, ";") {
			return nil, invalid("register.err.contains_which_separates_list_items", field, x)
		}
		seen[x] = true
		out = append(out, x)
	}
	return out, nil
}

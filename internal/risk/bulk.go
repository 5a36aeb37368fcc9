package risk

import (
	"context"
	"strconv"
	"strings"
	"time"

	"kitei/internal/apperr"
	"kitei/internal/authz"
	"kitei/internal/i18n"
	"kitei/internal/tabular"
)

// The risk register as a workbook: one row a risk, the subject written as
// its register id (A-001, SYS-001) so a file moves between stores, the
// ratings as numbers of the method's scales.
var bulkCols = []string{"code", "title", "subject_kind", "subject", "unit", "system_code", "threat_text", "vulnerability_text",
	"impact", "threat", "vulnerability", "likelihood", "residual_threat", "residual_vulnerability", "residual_likelihood",
	"treatment", "measures", "owner", "review_on", "acceptance", "accepted_by", "accepted_on", "note", "retired"}

func colLabel(lang i18n.Lang, key string) string { return i18n.T(lang, "risk.col."+key) }

func dayCell(v string) any {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t
	}
	return v
}

// subjectCode is the register id of a risk's subject ("" for the organisation).
func subjectCode(r Risk) string {
	if r.SubjectKind == OnOrg {
		return ""
	}
	code, _, _ := strings.Cut(r.SubjectLabel, " ")
	return code
}

// ExportTable is the register as p may read it, in the import layout.
func (s *Service) ExportTable(ctx context.Context, p *authz.Principal) (tabular.Table, error) {
	rs, err := s.List(ctx, p, Filter{Retired: true})
	if err != nil {
		return tabular.Table{}, err
	}
	t := tabular.Table{Name: i18n.T(i18n.Ja, "risk.title")}
	for _, c := range bulkCols {
		t.Header = append(t.Header, colLabel(i18n.Ja, c))
	}
	for _, r := range rs {
		owner := ""
		if r.OwnerID != 0 {
			if who, err := s.org.Person(ctx, r.OwnerID); err == nil {
				owner = who.EmployeeNo
			}
		}
		label := func(prefix, v string) string {
			if v == "" {
				return ""
			}
			return i18n.T(i18n.Ja, prefix+v)
		}
		retired := ""
		if r.Retired {
			retired = i18n.T(i18n.Ja, "risk.retired.badge")
		}
		t.Rows = append(t.Rows, []any{r.Code, r.Title, label("risk.on.", r.SubjectKind), subjectCode(r), r.UnitCode, r.SystemCode,
			r.ThreatText, r.VulnText, r.Impact, r.Threat, r.Vulnerability, r.Likelihood, r.RThreat, r.RVulnerability, r.RLikelihood,
			label("risk.treatment.", r.Treatment), FormatMeasures(r.Measures), owner, dayCell(r.ReviewOn),
			label("risk.acceptance.", r.Acceptance), r.AcceptedBy, dayCell(r.AcceptedOn), r.Note, retired})
	}
	return t, nil
}

// ImportResult is what an import did, or why it did nothing.
type ImportResult struct {
	Added   int `json:"added"`
	Updated int `json:"updated"`
	tabular.Report
}

// parseKey maps a cell written as a key or its label in either language.
func parseKey(v, prefix string, keys []string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", true
	}
	for _, k := range keys {
		if v == k || v == i18n.T(i18n.Ja, prefix+k) || strings.EqualFold(v, i18n.T(i18n.En, prefix+k)) {
			return k, true
		}
	}
	return "", false
}

// Import reads the register from xlsx or CSV and adds or updates risks by
// their number, all or nothing, with a report row by row. The acceptance
// columns are taken as recorded (a decision made elsewhere); a pending
// request is not carried over.
func (s *Service) Import(ctx context.Context, p *authz.Principal, name string, data []byte) (ImportResult, error) {
	var res ImportResult
	if err := authz.Require(p, Write); err != nil {
		return res, err
	}
	sheets, err := tabular.Read(name, data, "auto")
	if err != nil {
		return res, err
	}
	if len(sheets) == 0 {
		return res, apperr.E(apperr.Invalid, "risk.err.empty")
	}
	sh := sheets[0]
	col := map[string]int{}
	for _, c := range bulkCols {
		col[c] = sh.Column(colLabel(i18n.Ja, c), colLabel(i18n.En, c), c)
	}
	for _, c := range []string{"title", "subject_kind", "impact"} {
		if col[c] < 0 {
			res.Add(sh.Name, 1, colLabel(i18n.Ja, c), "", "risk.err.column", colLabel(i18n.Ja, c))
		}
	}
	if !res.OK() {
		return res, nil
	}
	now := s.now().UTC()
	var out []Risk
	seen := map[string]bool{}
	for i, row := range sh.Rows {
		line := sh.RowNumbers[i]
		cell := func(c string) string { return strings.TrimSpace(tabular.Cell(row, col[c])) }
		num := func(c string) int { n, _ := strconv.ParseFloat(cell(c), 64); return int(n) }
		fail := func(c string, err error) {
			key, args := "risk.err.row", []any(nil)
			if ae, ok := err.(*apperr.Error); ok {
				key, args = ae.Key, ae.Args
			}
			res.Report.Errors = append(res.Report.Errors, tabular.RowError{Sheet: sh.Name, Row: line, Column: colLabel(i18n.Ja, c), Value: cell(c), Key: key, Args: args})
		}
		kind, ok := parseKey(cell("subject_kind"), "risk.on.", SubjectKinds)
		if !ok || kind == "" {
			fail("subject_kind", apperr.E(apperr.Invalid, "risk.err.subject_kind"))
			continue
		}
		treatment, ok := parseKey(cell("treatment"), "risk.treatment.", Treatments)
		if !ok {
			fail("treatment", apperr.E(apperr.Invalid, "risk.err.treatment"))
			continue
		}
		acceptance, ok := parseKey(cell("acceptance"), "risk.acceptance.", []string{AcceptRequested, AcceptAccepted, AcceptRejected})
		if !ok {
			fail("acceptance", apperr.E(apperr.Invalid, "risk.err.row"))
			continue
		}
		days := map[string]string{}
		bad := false
		for _, c := range []string{"review_on", "accepted_on"} {
			if v := cell(c); v != "" {
				d, ok := parseDay(v)
				if !ok {
					fail(c, apperr.E(apperr.Invalid, "risk.err.date", apperr.Msg("risk.col."+c), v))
					bad = true
				}
				days[c] = d
			}
		}
		if bad {
			continue
		}
		in := Input{Title: cell("title"), SubjectKind: kind, Subject: cell("subject"), SystemCode: cell("system_code"),
			ThreatText: cell("threat_text"), VulnText: cell("vulnerability_text"), Impact: num("impact"), Threat: num("threat"),
			Vulnerability: num("vulnerability"), Likelihood: num("likelihood"), RThreat: num("residual_threat"),
			RVuln: num("residual_vulnerability"), RLikelihood: num("residual_likelihood"), Treatment: treatment,
			Measures: cell("measures"), Owner: cell("owner"), ReviewOn: days["review_on"], Note: cell("note")}
		if kind == OnOrg {
			u, err := s.org.UnitByCode(ctx, cell("unit"))
			if err != nil {
				fail("unit", apperr.E(apperr.Invalid, "risk.err.unit"))
				continue
			}
			in.UnitID = u.ID
		}
		code := cell("code")
		if code != "" && seen[code] {
			fail("code", apperr.E(apperr.Invalid, "risk.err.duplicate", code))
			continue
		}
		seen[code] = true
		var r Risk
		if code != "" {
			if old, err := s.store.RiskByCode(ctx, code); err == nil {
				if !may(p, Write, old) {
					fail("code", apperr.E(apperr.Forbidden, "error.forbidden.unit"))
					continue
				}
				r = old
			} else if !apperr.Is(err, apperr.NotFound) {
				return res, err
			}
		}
		r.Code = code
		if err := s.fill(ctx, p, in, &r); err != nil {
			fail("title", err)
			continue
		}
		r.Acceptance, r.AcceptedBy, r.AcceptedOn = acceptance, cell("accepted_by"), days["accepted_on"]
		if r.Acceptance == AcceptRequested && r.RequestID == 0 {
			r.Acceptance = ""
		}
		r.Retired = cell("retired") != ""
		r.UpdatedAt = now
		if r.ID == 0 {
			r.CreatedAt = now
		}
		out = append(out, r)
	}
	if !res.OK() {
		return res, nil
	}
	res.Added, res.Updated, err = s.store.ApplyImport(ctx, out, Change{At: now, Action: "import"})
	return res, err
}

func parseDay(v string) (string, bool) {
	for _, layout := range []string{"2006-01-02", "2006/1/2", "2006/01/02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 1 && f < 2958466 {
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(f)).Format("2006-01-02"), true
	}
	return "", false
}

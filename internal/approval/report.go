package approval

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"kitei/internal/apperr"
	"kitei/internal/authz"
)

// TypeCount counts one type's requests by status.
type TypeCount struct {
	TypeKey  string         `json:"type"`
	TypeName string         `json:"type_name"`
	ByStatus map[Status]int `json:"by_status"`
	Permits  int            `json:"permits"` // requests that needed a permit
	Notices  int            `json:"notices"` // notices only
	Total    int            `json:"total"`
}

// Report is the periodic report to 統括 and the CISO: how many requests of
// each type were filed in the period and where they stand, the exceptions
// (例外措置) filed, and what is overdue.
type Report struct {
	From       string      `json:"from"`
	To         string      `json:"to"`
	Types      []TypeCount `json:"types"`
	Exceptions []Request   `json:"exceptions"`
	Overdue    []Overdue   `json:"overdue"`
}

// Report builds the report for requests filed between from and to
// (inclusive; empty: unbounded). RequestReport only.
func (s *Service) Report(ctx context.Context, p *authz.Principal, from, to string) (*Report, error) {
	if !p.Can(authz.RequestReport) {
		return nil, apperr.E(apperr.Forbidden, "approval.err.report_security_office_ciso")
	}
	for _, d := range []string{from, to} {
		if d != "" {
			if err := checkDay("期間", d); err != nil {
				return nil, err
			}
		}
	}
	ts, err := s.store.Types(ctx)
	if err != nil {
		return nil, err
	}
	// The figures are counted in the database; only the exceptions are
	// read whole.
	f := Filter{Scope: Scope{All: true}, NotDraft: true, From: from, To: to}
	tallies, err := s.store.TallyRequests(ctx, f)
	if err != nil {
		return nil, err
	}
	rep := &Report{From: from, To: to}
	idx := map[string]int{}
	for _, t := range ts {
		idx[t.Key] = len(rep.Types)
		rep.Types = append(rep.Types, TypeCount{TypeKey: t.Key, TypeName: t.Name, ByStatus: map[Status]int{}})
	}
	for _, t := range tallies {
		i, ok := idx[t.TypeKey]
		if !ok {
			continue
		}
		c := &rep.Types[i]
		c.ByStatus[t.Status] += t.N
		c.Total += t.N
		switch t.Outcome {
		case OutcomePermit:
			c.Permits += t.N
		case OutcomeNotice:
			c.Notices += t.N
		}
	}
	f.TypeKey = TypeException
	if rep.Exceptions, err = s.store.Requests(ctx, f); err != nil {
		return nil, err
	}
	if rep.Overdue, err = s.Overdue(ctx, p); err != nil {
		return nil, err
	}
	return rep, nil
}

// ledgerHeader is the column row of a ledger sheet.
var ledgerHeader = []any{"番号", "種別", "件名", "申請者", "所属", "格付・区分", "区分の扱い", "対象規定", "期間開始", "期間終了",
	"緊急時事後", "状態", "決裁者", "上位者回付", "条件", "決裁理由", "申請日時", "決裁日時", "終了報告", "終了報告日時"}

var outcomeJa = map[Outcome]string{OutcomePermit: "許可", OutcomeNotice: "届出", OutcomeNone: "不要"}

func yesNo(b bool) string {
	if b {
		return "○"
	}
	return ""
}

func ts(t interface{ IsZero() bool }, s string) string {
	if t.IsZero() {
		return ""
	}
	return s
}

func ledgerRow(r Request) []any {
	rule := ""
	if r.NodeRef != "" {
		rule = strings.TrimSpace(r.CatalogName + " " + r.NodeRef)
	}
	return []any{r.ID, r.TypeName, r.Title, r.ApplicantName, r.UnitName, r.Level, outcomeJa[r.Outcome], rule, r.StartsOn, r.EndsOn,
		yesNo(r.Emergency), StatusJa(r.Status), r.DeciderName, yesNo(r.Escalated), r.Conditions, r.Decision,
		ts(r.SubmittedAt, r.SubmittedAt.Local().Format("2006-01-02 15:04")), ts(r.DecidedAt, r.DecidedAt.Local().Format("2006-01-02 15:04")),
		r.EndReport, ts(r.EndedAt, r.EndedAt.Local().Format("2006-01-02 15:04"))}
}

// WriteLedgerXLSX writes a ledger (台帳): one sheet per type present, each
// with the type's own fields after the common columns.
func WriteLedgerXLSX(w io.Writer, types []Type, rs []Request) error {
	f := excelize.NewFile()
	defer f.Close()
	first := true
	for _, t := range types {
		var mine []Request
		for _, r := range rs {
			if r.TypeKey == t.Key {
				mine = append(mine, r)
			}
		}
		if len(mine) == 0 {
			continue
		}
		name := sheetName(t.Name + "台帳")
		if first {
			f.SetSheetName("Sheet1", name)
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		header := slices.Clone(ledgerHeader)
		var extra []Field
		for _, fd := range t.Fields {
			switch fd.Type {
			case KindText, KindTextarea, KindDate, KindSelect:
				extra = append(extra, fd)
				header = append(header, fd.Label)
			}
		}
		if err := f.SetSheetRow(name, "A1", &header); err != nil {
			return err
		}
		for i, r := range mine {
			row := ledgerRow(r)
			for _, fd := range extra {
				row = append(row, r.Fields[fd.Key])
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				return err
			}
		}
		f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	if first {
		f.SetSheetName("Sheet1", "台帳")
		if err := f.SetSheetRow("台帳", "A1", &ledgerHeader); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// sheetName keeps a sheet name within Excel's 31 characters and without
// the characters it forbids.
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '・'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	return s
}

// WriteReportXLSX writes the report: a summary sheet, the exceptions and
// the overdue requests.
func WriteReportXLSX(w io.Writer, rep *Report) error {
	f := excelize.NewFile()
	defer f.Close()
	const sum = "集計"
	f.SetSheetName("Sheet1", sum)
	period := fmt.Sprintf("対象期間: %s 〜 %s", orDash(rep.From), orDash(rep.To))
	f.SetCellValue(sum, "A1", "申請・届出の状況報告")
	f.SetCellValue(sum, "A2", period)
	header := []any{"種別", "件数", "許可申請", "届出"}
	for _, st := range Statuses[1:] {
		header = append(header, StatusJa(st))
	}
	f.SetSheetRow(sum, "A4", &header)
	for i, c := range rep.Types {
		row := []any{c.TypeName, c.Total, c.Permits, c.Notices}
		for _, st := range Statuses[1:] {
			row = append(row, c.ByStatus[st])
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+5)
		f.SetSheetRow(sum, cell, &row)
	}
	const ex = "例外措置"
	f.NewSheet(ex)
	f.SetSheetRow(ex, "A1", &ledgerHeader)
	for i, r := range rep.Exceptions {
		row := ledgerRow(r)
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		f.SetSheetRow(ex, cell, &row)
	}
	const od = "延滞"
	f.NewSheet(od)
	f.SetSheetRow(od, "A1", &[]any{"番号", "種別", "件名", "申請者", "所属", "決裁者", "内容", "経過日数"})
	for i, o := range rep.Overdue {
		r := o.Request
		why := "決裁待ち"
		if o.Reason == "end_report" {
			why = "終了報告未提出"
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		f.SetSheetRow(od, cell, &[]any{r.ID, r.TypeName, r.Title, r.ApplicantName, r.UnitName, r.DeciderName, why, o.Days})
	}
	return f.Write(w)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

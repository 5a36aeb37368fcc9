package selfcheck

import (
	"context"
	"fmt"
	"io"
	"strings"

	"kitei/internal/authz"

	"github.com/xuri/excelize/v2"
)

// MaxPersonSheets bounds the per-person sheets of one export; narrow the
// export to a unit for more.
const MaxPersonSheets = 300

// ExportXLSX writes a workbook: the roll-up (unit × section), items weakest
// first, progress per unit, then one sheet per person (自己点検票, as
// offices keep them) for up to MaxPersonSheets people of the unit's
// subtree (unitID 0: the whole scope).
func (s *Service) ExportXLSX(ctx context.Context, actor *authz.Principal, campaignID, unitID int64, w io.Writer) error {
	scope := FollowScope(actor)
	r, err := s.rollup(ctx, campaignID, scope, -1)
	if err != nil {
		return err
	}
	prog, _, err := s.progress(ctx, campaignID, scope)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	const sum = "集計"
	f.SetSheetName("Sheet1", sum)
	set := func(sheet string, col, row int, v any) {
		cell, _ := excelize.CoordinatesToCellName(col, row)
		f.SetCellValue(sheet, cell, v)
	}
	set(sum, 1, 1, r.Campaign.Name)
	set(sum, 1, 2, "部署")
	for i, sec := range r.Sections {
		set(sum, 2+i, 2, sec.Ref+" "+sec.Title)
	}
	set(sum, 2+len(r.Sections), 2, "全体")
	rate := func(c Cell) any {
		if c.Rate() < 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f%% (%d/%d)", c.Rate()*100, c.Yes, c.Applicable())
	}
	row := 3
	for _, rr := range append(r.Rows, RollupRow{Unit: Unit{Name: "合計"}, Cells: r.Total.Cells, Total: r.Total.Total}) {
		set(sum, 1, row, strings.Repeat("　", rr.Depth)+rr.Unit.Name)
		for i, c := range rr.Cells {
			set(sum, 2+i, row, rate(c))
		}
		set(sum, 2+len(rr.Cells), row, rate(rr.Total))
		row++
	}

	const items = "項目別"
	f.NewSheet(items)
	for i, h := range []string{"項番", "区分", "設問", "実施している", "一部実施", "実施していない", "該当なし", "実施率"} {
		set(items, i+1, 1, h)
	}
	for i, it := range r.Items {
		vals := []any{it.Item.NodeRef, it.Item.SectionTitle, it.Item.Question, it.Cell.Yes, it.Cell.Partial, it.Cell.No, it.Cell.NA, it.Cell.Percent()}
		for j, v := range vals {
			set(items, j+1, i+2, v)
		}
	}

	const progress = "進捗"
	f.NewSheet(progress)
	for i, h := range []string{"部署", "未着手", "回答中", "提出済"} {
		set(progress, i+1, 1, h)
	}
	for i, p := range prog {
		for j, v := range []any{strings.Repeat("　", p.Depth) + p.Unit.Name, p.All.NotStarted, p.All.InProgress, p.All.Submitted} {
			set(progress, j+1, i+2, v)
		}
	}

	var cls []Checklist
	if unitID > 0 {
		cls, err = s.unitChecklists(ctx, campaignID, unitID, scope, "")
	} else {
		var ids []int64
		if !scope.All {
			units, uerr := s.store.Units(ctx)
			if uerr != nil {
				return uerr
			}
			ids = []int64{}
			for _, u := range units {
				if scope.Contains(u.Path) {
					ids = append(ids, u.ID)
				}
			}
		}
		cls, err = s.store.Checklists(ctx, ChecklistFilter{CampaignID: campaignID, UnitIDs: ids, Limit: MaxPersonSheets})
	}
	if err != nil {
		return err
	}
	if len(cls) > MaxPersonSheets {
		cls = cls[:MaxPersonSheets]
	}
	used := map[string]bool{}
	for _, cl := range cls {
		v, err := s.view(ctx, r.Campaign, cl)
		if err != nil {
			return err
		}
		name := sheetName(cl.EmployeeNo+" "+cl.PersonName, used)
		f.NewSheet(name)
		set(name, 1, 1, "自己点検票")
		set(name, 2, 1, r.Campaign.Name)
		set(name, 1, 2, "氏名")
		set(name, 2, 2, cl.PersonName+"（"+cl.EmployeeNo+"）")
		set(name, 1, 3, "部署")
		set(name, 2, 3, cl.UnitName)
		set(name, 1, 4, "状態")
		set(name, 2, 4, string(cl.Status))
		for i, h := range []string{"項番", "設問", "回答", "コメント", "回答日時"} {
			set(name, i+1, 6, h)
		}
		for i, it := range v.Items {
			set(name, 1, 7+i, it.NodeRef)
			set(name, 2, 7+i, it.Question)
			if a := it.Answer; a != nil {
				set(name, 3, 7+i, a.Value.Label())
				set(name, 4, 7+i, a.Comment)
				set(name, 5, 7+i, a.AnsweredAt.Local().Format("2006-01-02 15:04"))
			}
		}
	}
	return f.Write(w)
}

// sheetName makes a unique sheet name of at most 31 characters without
// the characters Excel forbids.
func sheetName(s string, used map[string]bool) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, s)
	r := []rune(s)
	if len(r) > 28 {
		r = r[:28]
	}
	name := string(r)
	for i := 2; used[name]; i++ {
		name = fmt.Sprintf("%s~%d", string(r), i)
	}
	used[name] = true
	return name
}

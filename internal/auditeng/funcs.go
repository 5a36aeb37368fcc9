package auditeng

import (
	"html/template"

	"kitei/internal/i18n"
	"kitei/internal/tabular"
	"kitei/internal/tracker"
)

type trackerAction = tracker.Action

func trackerTable(lang i18n.Lang, acts []tracker.Action) tabular.Table {
	return tracker.ActionsTable(lang, acts)
}

var funcs = template.FuncMap{
	"auditScope": joinScope,
	"auditHas": func(ids []int64, id int64) bool {
		for _, x := range ids {
			if x == id {
				return true
			}
		}
		return false
	},
}

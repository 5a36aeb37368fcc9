package tabular

import (
	"kitei/internal/apperr"
	"kitei/internal/i18n"
)

// MaxFileSize bounds a file handed to Read.
const MaxFileSize = 32 << 20

// Sheet is one table: a name, a header row and data rows. Read fills
// RowNumbers with each data row's line or row number in the file (1-based)
// so problems can be reported where the person will look.
type Sheet struct {
	Name       string
	Header     []string
	Rows       [][]string
	RowNumbers []int
}

// Column finds the index of the first header cell equal to any of names
// after normalisation (width, case, spaces); -1 when absent.
func (s Sheet) Column(names ...string) int {
	for i, h := range s.Header {
		nh := Normalize(h)
		for _, n := range names {
			if nh == Normalize(n) {
				return i
			}
		}
	}
	return -1
}

// Cell is row's cell at column i, "" when the row is shorter or i < 0.
func Cell(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return row[i]
}

// RowError is one problem of an import: where (sheet, row, column, the
// value) and what, as a message key with its arguments.
type RowError struct {
	Sheet  string `json:"sheet,omitempty"`
	Row    int    `json:"row"`
	Column string `json:"column,omitempty"`
	Value  string `json:"value,omitempty"`
	Key    string `json:"key"`
	Args   []any  `json:"-"`
	// Message is the text in the reader's language, filled by Localize.
	Message string `json:"message"`
}

// Text is the message in lang.
func (e RowError) Text(lang i18n.Lang) string { return i18n.T(lang, e.Key, e.Args...) }

// Report collects the problems of an import; nothing is stored while it
// holds any.
type Report struct {
	Errors []RowError `json:"errors"`
}

// Add records a problem.
func (r *Report) Add(sheet string, row int, column, value, key string, args ...any) {
	r.Errors = append(r.Errors, RowError{Sheet: sheet, Row: row, Column: column, Value: value, Key: key, Args: args})
}

// OK reports whether no problem was found.
func (r *Report) OK() bool { return len(r.Errors) == 0 }

// Localize fills each error's Message in lang.
func (r *Report) Localize(lang i18n.Lang) {
	for i := range r.Errors {
		r.Errors[i].Message = r.Errors[i].Text(lang)
	}
}

// Err is an Invalid error for a report with problems (nil when OK), so a
// caller that does not show the report still refuses the file.
func (r *Report) Err() error {
	if r.OK() {
		return nil
	}
	return apperr.E(apperr.Invalid, "tabular.err.rows", len(r.Errors))
}

package audit

import (
	"encoding/csv"
	"io"
	"strconv"
)

// CSVHeader names the columns WriteCSV writes.
var CSVHeader = []string{"seq", "at", "actor", "actor_id", "action", "object_type", "object_id",
	"unit_id", "ip", "detail", "prev_hash", "hash"}

// utf8BOM lets Excel recognise UTF-8 and show Japanese text correctly.
const utf8BOM = "\uFEFF"

// CSVWriter writes events as CSV, one row per event after a header row.
type CSVWriter struct {
	w      *csv.Writer
	header bool
}

// NewCSVWriter returns a writer to w; with bom it starts with a UTF-8
// byte-order mark for spreadsheet programs.
func NewCSVWriter(w io.Writer, bom bool) (*CSVWriter, error) {
	if bom {
		if _, err := io.WriteString(w, utf8BOM); err != nil {
			return nil, err
		}
	}
	return &CSVWriter{w: csv.NewWriter(w)}, nil
}

// Write writes one event (and the header row before the first).
func (c *CSVWriter) Write(e Event) error {
	if !c.header {
		c.header = true
		if err := c.w.Write(CSVHeader); err != nil {
			return err
		}
	}
	return c.w.Write([]string{
		strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(TimeLayout), cell(e.Actor),
		strconv.FormatInt(e.ActorID, 10), cell(e.Action), cell(e.ObjectType), cell(e.ObjectID),
		strconv.FormatInt(e.UnitID, 10), cell(e.IP), cell(e.Detail), e.PrevHash, e.Hash,
	})
}

// Close writes the header when no event was written and flushes.
func (c *CSVWriter) Close() error {
	if !c.header {
		c.header = true
		if err := c.w.Write(CSVHeader); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

// cell keeps spreadsheet programs from running text as a formula: actors
// come from sign-in forms, so a failed login named "=HYPERLINK(…)" must stay
// text. Such cells get a leading apostrophe.
func cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

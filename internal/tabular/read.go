package tabular

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"

	"kitei/internal/apperr"
)

// Read splits a file into sheets. format is "auto" (by name and content),
// "xlsx" or "csv". A CSV file is one sheet named after the file. Blank rows
// are skipped; the first non-blank row is the header.
func Read(name string, data []byte, format string) ([]Sheet, error) {
	if len(data) > MaxFileSize {
		return nil, apperr.E(apperr.TooLarge, "tabular.err.too_large", MaxFileSize>>20)
	}
	if format == "" || format == "auto" {
		format = "csv"
		if bytes.HasPrefix(data, []byte("PK\x03\x04")) || strings.EqualFold(path.Ext(name), ".xlsx") {
			format = "xlsx"
		}
	}
	switch format {
	case "xlsx":
		return ReadXLSX(data)
	case "csv":
		s, err := ReadCSV(name, data)
		if err != nil {
			return nil, err
		}
		return []Sheet{s}, nil
	}
	return nil, apperr.E(apperr.Invalid, "tabular.err.format", format)
}

// ReadXLSX reads every sheet of a workbook, cells as their raw values.
func ReadXLSX(data []byte) ([]Sheet, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, apperr.WrapE(apperr.Invalid, err, "tabular.err.xlsx")
	}
	defer f.Close()
	var out []Sheet
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, apperr.WrapE(apperr.Invalid, err, "tabular.err.sheet", name)
		}
		out = append(out, newSheet(name, rows))
	}
	return out, nil
}

// ReadCSV reads one CSV table in UTF-8 (with or without BOM), UTF-16 with
// a BOM, or Shift_JIS (CP932).
func ReadCSV(name string, data []byte) (Sheet, error) {
	text, err := Decode(data)
	if err != nil {
		return Sheet{}, apperr.E(apperr.Invalid, "tabular.err.encoding", name)
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Sheet{}, apperr.WrapE(apperr.Invalid, err, "tabular.err.csv", name)
		}
		rows = append(rows, rec)
	}
	return newSheet(name, rows), nil
}

// Decode turns text bytes into a string: UTF-8 (BOM dropped), UTF-16 with
// a BOM, else Shift_JIS (CP932); anything else is refused.
func Decode(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		data = data[3:]
	case bytes.HasPrefix(data, []byte("\xff\xfe")), bytes.HasPrefix(data, []byte("\xfe\xff")):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil {
			return "", err
		}
		return string(out), nil
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	out, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
	if err != nil || !utf8.Valid(out) || bytes.ContainsRune(out, utf8.RuneError) {
		return "", errors.New("neither UTF-8, UTF-16 nor Shift_JIS")
	}
	return string(out), nil
}

func newSheet(name string, rows [][]string) Sheet {
	s := Sheet{Name: name}
	hdr := -1
	for i, r := range rows {
		if !blank(r) {
			hdr = i
			break
		}
	}
	if hdr < 0 {
		return s
	}
	s.Header = rows[hdr]
	for i := hdr + 1; i < len(rows); i++ {
		if blank(rows[i]) {
			continue
		}
		s.Rows = append(s.Rows, rows[i])
		s.RowNumbers = append(s.RowNumbers, i+1)
	}
	return s
}

func blank(r []string) bool {
	for _, c := range r {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Normalize folds a header or code for comparison: NFKC (full-width to
// half-width), lower case, no spaces.
func Normalize(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	return strings.Join(strings.Fields(s), "")
}

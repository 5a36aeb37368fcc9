package tabular

import (
	"bytes"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"kitei/internal/apperr"
)

func TestXLSXRoundTrip(t *testing.T) {
	day := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	err := WriteXLSX(&buf, Table{Name: "台帳", Header: []string{"番号", "名称", "日付"},
		Rows: [][]any{{1, "総務課", day}, {2, "事業部", time.Time{}}}})
	if err != nil {
		t.Fatal(err)
	}
	sheets, err := Read("x.xlsx", buf.Bytes(), "auto")
	if err != nil {
		t.Fatal(err)
	}
	if len(sheets) != 1 || sheets[0].Name != "台帳" || len(sheets[0].Rows) != 2 {
		t.Fatalf("sheets = %+v", sheets)
	}
	s := sheets[0]
	if s.Column("名称") != 1 || Cell(s.Rows[0], 1) != "総務課" || s.RowNumbers[1] != 3 {
		t.Errorf("sheet = %+v", s)
	}
	// A real date is stored as an Excel serial number, not as text.
	if got := Cell(s.Rows[0], 2); got != "45748" {
		t.Errorf("date cell = %q, want the serial 45748", got)
	}
}

func TestCSVEncodings(t *testing.T) {
	sjis, _ := japanese.ShiftJIS.NewEncoder().Bytes([]byte("コード,名称\n\nA1,総務課\n"))
	for name, data := range map[string][]byte{
		"utf8":  []byte("\xef\xbb\xbfコード,名称\nA1,総務課\n"),
		"sjis":  sjis,
		"utf16": append([]byte("\xff\xfe"), utf16le("コード,名称\nA1,総務課\n")...),
	} {
		s, err := ReadCSV(name, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s.Column("ｺｰﾄﾞ") != 0 || len(s.Rows) != 1 || Cell(s.Rows[0], 1) != "総務課" {
			t.Errorf("%s: %+v", name, s)
		}
	}
	if _, err := ReadCSV("bad", []byte{0x82, 0xff, 0xfe, 0x00, 0x81}); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("binary accepted: %v", err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, Table{Header: []string{"名称"}, Rows: [][]any{{"総務課"}}}, ShiftJIS); err != nil {
		t.Fatal(err)
	}
	if s, err := ReadCSV("w", buf.Bytes()); err != nil || Cell(s.Rows[0], 0) != "総務課" {
		t.Errorf("shift_jis write/read: %v %+v", err, s)
	}
}

func utf16le(s string) []byte {
	var out []byte
	for _, r := range s {
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}

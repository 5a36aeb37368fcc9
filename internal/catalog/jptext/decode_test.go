package jptext

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"

	"kitei/internal/catalog"
)

// decodeSample is invented text with kanji, kana, full-width digits and
// ASCII, long enough for the encoding heuristics.
const decodeSample = "第１部　総則\n1.1 目的\n(a) 管理者は、年に１回の点検を行うこと。\n" +
	"(b) 担当者は、記録をＰＤＦで保存すること。\nカタカナとひらがなと漢字が混ざった文章。\n"

func encodeWith(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

func TestDecodeEncodings(t *testing.T) {
	le := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	be := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"utf-8", []byte(decodeSample), "utf-8"},
		{"utf-8 with BOM", append([]byte{0xEF, 0xBB, 0xBF}, decodeSample...), "utf-8"},
		{"utf-16le with BOM", append([]byte{0xFF, 0xFE}, encodeWith(t, le, decodeSample)...), "utf-16le"},
		{"utf-16be with BOM", append([]byte{0xFE, 0xFF}, encodeWith(t, be, decodeSample)...), "utf-16be"},
		{"utf-16le without BOM", encodeWith(t, le, decodeSample), "utf-16le"},
		{"utf-16be without BOM", encodeWith(t, be, decodeSample), "utf-16be"},
		{"shift_jis", encodeWith(t, japanese.ShiftJIS, decodeSample), "shift_jis"},
		{"euc-jp", encodeWith(t, japanese.EUCJP, decodeSample), "euc-jp"},
		{"iso-2022-jp", encodeWith(t, japanese.ISO2022JP, decodeSample), "iso-2022-jp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text, enc, err := Decode(c.data)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if enc != c.want {
				t.Errorf("encoding %q, want %q", enc, c.want)
			}
			if text != decodeSample {
				t.Errorf("text %q, want %q", text, decodeSample)
			}
		})
	}
}

func TestDecodeShortLegacyText(t *testing.T) {
	// Short texts give the heuristics little to go on; both must still
	// come back right.
	for _, s := range []string{"情報セキュリティ", "規程の目的"} {
		for _, e := range []struct {
			enc  encoding.Encoding
			name string
		}{{japanese.ShiftJIS, "shift_jis"}, {japanese.EUCJP, "euc-jp"}} {
			text, name, err := Decode(encodeWith(t, e.enc, s))
			if err != nil || text != s || name != e.name {
				t.Errorf("%s %q: got %q %q %v", e.name, s, text, name, err)
			}
		}
	}
}

func TestDecodeLineEndings(t *testing.T) {
	text, _, err := Decode([]byte("一\r\n二\r三\n四\f五"))
	if err != nil {
		t.Fatal(err)
	}
	if text != "一\n二\n三\n四\n五" {
		t.Errorf("got %q", text)
	}
	le := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	text, _, err = Decode(encodeWith(t, le, "一\r\n二\r\n"))
	if err != nil || text != "一\n二\n" {
		t.Errorf("utf-16 CRLF: %q %v", text, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"), pseudoRandom(2048, 3)...)
	noNUL := bytes.ReplaceAll(pseudoRandom(2048, 11), []byte{0}, []byte{1})
	cases := []struct {
		name string
		data []byte
		want []error
	}{
		{"nil", nil, []error{catalog.ErrEmpty}},
		{"blank", []byte(" \n\t\r\n"), []error{catalog.ErrEmpty}},
		{"blank with BOM", []byte("\xEF\xBB\xBF\n"), []error{catalog.ErrEmpty}},
		{"png", png, []error{catalog.ErrBinary}},
		{"random without NUL", noNUL, []error{catalog.ErrBinary, catalog.ErrEncoding}},
		{"control bytes", bytes.Repeat([]byte("本\x01\x02\x03"), 100), []error{catalog.ErrBinary}},
		{"invalid utf-8 after BOM", []byte("\xEF\xBB\xBF\xff\xfe\xfd"), []error{catalog.ErrEncoding}},
		{"undecodable", bytes.Repeat([]byte{0xFF, 0xFD, 0x80, 0xFF}, 64), []error{catalog.ErrEncoding}},
		{"odd utf-16", []byte{0xFF, 0xFE, 'a', 0, 'b'}, []error{catalog.ErrEncoding}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Decode(c.data)
			if err == nil {
				t.Fatal("no error")
			}
			ok := false
			for _, w := range c.want {
				ok = ok || errors.Is(err, w)
			}
			if !ok {
				t.Errorf("error %v, want one of %v", err, c.want)
			}
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 64 MiB")
	}
	big := make([]byte, catalog.MaxImportSize+1)
	if _, _, err := Decode(big); !errors.Is(err, catalog.ErrTooLarge) {
		t.Errorf("error %v, want ErrTooLarge", err)
	}
}

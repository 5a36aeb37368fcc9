package jptext

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"

	"kitei/internal/catalog"
)

// fuzzSamples are small invented documents in each style's shape; the
// fuzzer mutates them and their re-encodings. No seed text is used.
var fuzzSamples = []string{
	"第１部　総　則\n１．１　目的\n（１）　趣旨\n（ａ）　架空の規程である。\n",
	"第2.1部 対策\n2.1.1 体制\n2.1.1.1 設置\n趣旨（必要性）\n遵守事項\n(1) 責任者\n(a) 管理者は、置くこと。\n(ア) 一\n\uF0B7 点\n",
	"目次\n1.1 目的 …… 3\n1.1 目的\n(1) 見出し\n(a) 担当者は、\n\n行うこと。\n 12 \n 機密性１ \n",
	"第1条（目的）\nこの規程は、架空である。\n2 前項の例外とする。\n(1) 一号\n",
	"1 基本方針 改訂日 2024.04.01\n1. 目的\n1.1 範囲\n",
	"（１）４つの柱\nア 方針\n（ア）項目【要検討事項】\n○ 群\n・ 例\n",
	"Ｏ 「用語」とは、架空の語をいう。\n【あ】\n",
	"((8)見出し\n(2)(b)で定める\n(b)に従う\n",
	"ただの文章です。\n\n段落が続く。\n",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSamples {
		f.Add([]byte(s))
		if b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s)); err == nil {
			f.Add(b)
		}
		if b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte{})
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			if !errors.Is(err, catalog.ErrEmpty) && !errors.Is(err, catalog.ErrBinary) &&
				!errors.Is(err, catalog.ErrEncoding) && !errors.Is(err, catalog.ErrTooLarge) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if p == nil {
			t.Fatal("nil result without error")
		}
		if p.Style != "dotted" && p.Style != "paragraphs" {
			return // other styles are checked by their own tests
		}
		seen := make(map[string]int, len(p.Nodes))
		for i, n := range p.Nodes {
			if n.Ref == "" {
				t.Fatalf("node %d: empty ref", i)
			}
			if _, dup := seen[n.Ref]; dup {
				t.Fatalf("duplicate ref %q", n.Ref)
			}
			seen[n.Ref] = i
			if n.Parent != "" {
				if j, ok := seen[n.Parent]; !ok || j >= i {
					t.Fatalf("node %q: parent %q not before it", n.Ref, n.Parent)
				}
			}
			if n.Requirement && n.Kind != catalog.KindItem {
				t.Fatalf("node %q: requirement of kind %q", n.Ref, n.Kind)
			}
			if strings.ContainsRune(n.Text, '\r') {
				t.Fatalf("node %q: carriage return in text", n.Ref)
			}
		}
	})
}

// shiftJISBytes encodes UTF-8 text as Shift_JIS.
func shiftJISBytes(s []byte) ([]byte, error) {
	return japanese.ShiftJIS.NewEncoder().Bytes(s)
}

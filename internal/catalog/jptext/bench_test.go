package jptext

import "testing"

// BenchmarkParse002 measures importing seed 002 (design target: ≤ 50 ms).
func BenchmarkParse002(b *testing.B) {
	data := jpSeed(b, "002")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse000 measures the larger, hard-wrapped dotted seed.
func BenchmarkParse000(b *testing.B) {
	data := jpSeed(b, "000")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeShiftJIS measures legacy-encoding detection on seed 002.
func BenchmarkDecodeShiftJIS(b *testing.B) {
	data := jpSeed(b, "002")
	sj := make([]byte, 0, len(data))
	for _, r := range string(data) {
		if r == 0xF0B7 {
			r = '・'
		}
		sj = append(sj, string(r)...)
	}
	enc, err := shiftJISBytes(sj)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, _, err := Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
}

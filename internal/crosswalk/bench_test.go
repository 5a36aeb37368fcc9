package crosswalk

import "testing"

// BenchmarkSuggest000To002 measures suggestions for the 378 requirement
// items of 000 against the 426 of 002 (DESIGN.md §5: ≤ 500 ms), top 5.
func BenchmarkSuggest000To002(b *testing.B) {
	from, to := seedNodes(b, "000"), seedNodes(b, "002")
	b.ReportAllocs()
	for b.Loop() {
		if s := Suggest(from, to, Options{Top: 5}); len(s) == 0 {
			b.Fatal("no suggestions")
		}
	}
}

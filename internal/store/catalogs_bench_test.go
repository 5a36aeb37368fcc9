package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"kitei/internal/catalog"
	"kitei/internal/catalog/jptext"
	"kitei/internal/store/storetest"
)

func seedFile(b *testing.B, name string) []byte {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	for i := 0; i < 6; i++ {
		if data, err := os.ReadFile(filepath.Join(dir, "shared", "seeds", name)); err == nil {
			return data
		}
		dir = filepath.Dir(dir)
	}
	b.Skip("seeds not found (../shared/seeds beside the repository)")
	return nil
}

// BenchmarkImportSeed002 measures a whole import of seed 002 (decode,
// parse, validate, durable commit of every node) into SQLite.
func BenchmarkImportSeed002(b *testing.B) {
	data := seedFile(b, "002_ea0d584469b154be.txt")
	db := storetest.SQLite(b)
	svc := catalog.NewService(db.Catalogs(), map[string]catalog.Parser{"jptext": jptext.Parse})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// A distinct trailing line makes each run a new edition rather than a duplicate.
		src := append(data[:len(data):len(data)], fmt.Sprintf("\n%d\n", i)...)
		if _, err := svc.Import(ctx, catalog.ImportRequest{Name: "002", SourceName: "002.txt", Data: src}); err != nil {
			b.Fatal(err)
		}
	}
}

package catalog

import "errors"

// Import errors. Importers wrap these so callers can tell the user what was wrong.
var (
	ErrEmpty    = errors.New("file is empty")
	ErrBinary   = errors.New("file is not text")
	ErrTooLarge = errors.New("file is too large")
	ErrEncoding = errors.New("text encoding not recognised")
)

// MaxImportSize is the largest source file an importer accepts.
const MaxImportSize = 64 << 20

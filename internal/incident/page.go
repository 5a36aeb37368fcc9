package incident

import "kitei/internal/paging"

// Page is one page of a list: its rows, the cursor of the page after it
// ("" on the last) and how many rows the whole list holds.
type Page[T any] = paging.Page[T]

// Page sizes: the pages show PageSize rows, the API APIPageSize unless the
// client asks for another limit (at most paging.Max).
const (
	PageSize    = 50
	APIPageSize = 100
)

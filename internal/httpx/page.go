package httpx

import (
	"fmt"
	"net/http"

	"kitei/internal/paging"
)

// WritePage answers one page of a list as a JSON array (never null), the
// next page named in Link and X-Next-Cursor.
func WritePage[T any](w http.ResponseWriter, r *http.Request, pg paging.Page[T]) {
	if pg.Rows == nil {
		pg.Rows = []T{}
	}
	paging.SetHeaders(w, r, pg.Next)
	WriteJSON(w, http.StatusOK, pg.Rows)
}

// PageAfter and PageLimit document the paging parameters of a paged list
// in the OpenAPI document (see internal/paging): ?after= the cursor of the
// previous page, which the answer gives in the Link header (rel="next"), in
// X-Next-Cursor and, where the body is an object, in its "next" field; and
// ?limit= rows per page.
var PageAfter = Param{Name: "after", In: "query", Type: "string",
	Description: "opaque cursor of the next page, from the previous answer's Link header (rel=\"next\"), X-Next-Cursor or next field; omit for the first page; keep the other parameters unchanged; a cursor that cannot be read is a 400"}

// PageLimit is ?limit= with its default, def rows.
func PageLimit(def int) Param {
	return Param{Name: "limit", In: "query", Type: "integer", Description: fmt.Sprintf("rows per page, 1 to %d, default %d", paging.Max, def)}
}

// PageParams are PageLimit(def) and PageAfter.
func PageParams(def int) []Param { return []Param{PageLimit(def), PageAfter} }

package httpx

import (
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

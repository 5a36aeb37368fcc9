package paging

import (
	"encoding/base64"
	"strconv"
	"strings"

	"kitei/internal/apperr"
)

// Cursor names the last row of a page: its sort key (empty when the list is
// ordered by id alone) and its id.
type Cursor struct {
	Key string
	ID  int64
}

// IsZero reports whether c is the start of the list.
func (c Cursor) IsZero() bool { return c.Key == "" && c.ID == 0 }

// String is the cursor as it travels in URLs: base64url of "id:key".
func (c Cursor) String() string {
	if c.IsZero() {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.ID, 10) + ":" + c.Key))
}

// Parse reads a cursor made by String; "" is the start of the list. Anything
// else is refused with a 400 naming the cursor.
func Parse(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, apperr.E(apperr.BadRequest, "paging.err.cursor")
	}
	id, key, ok := strings.Cut(string(raw), ":")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n < 0 {
		return Cursor{}, apperr.E(apperr.BadRequest, "paging.err.cursor")
	}
	return Cursor{Key: key, ID: n}, nil
}

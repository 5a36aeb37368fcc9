package httpx

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"kitei/internal/apperr"
)

// MaxJSONBody is the largest JSON request body ReadJSON accepts.
const MaxJSONBody = 1 << 20

// PathID is the positive integer path value name; anything else is
// NotFound (an id that cannot exist names nothing).
func PathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.E(apperr.NotFound, "error.path_id", name)
	}
	return id, nil
}

// ReadJSON decodes a small JSON body into v, refusing unknown fields and
// bodies over MaxJSONBody. An empty body leaves v as it is.
func ReadJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, MaxJSONBody+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return apperr.WrapE(apperr.BadRequest, err, "error.json_body")
	}
	return nil
}

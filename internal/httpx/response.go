package httpx

import (
	"encoding/json"
	"log/slog"
	"mime"
	"net/http"

	"kitei/internal/apperr"
	"kitei/internal/i18n"
)

// WriteJSON answers status with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// ErrorBody is the JSON shape of every API error, the guard's 401 and 403
// included.
type ErrorBody struct {
	Error   string `json:"error"`         // code: invalid, not_found, forbidden, unauthorized …
	Key     string `json:"key,omitempty"` // message key in the catalogs, for clients with their own texts
	Message string `json:"message"`       // for people, in the request's language
}

// Body is the error body for err in lang. Internal errors say only that
// something went wrong.
func Body(err error, lang i18n.Lang) ErrorBody {
	code := apperr.CodeOf(err)
	if code == apperr.Internal {
		return ErrorBody{Error: string(code), Key: "error.internal", Message: i18n.T(lang, "error.internal")}
	}
	return ErrorBody{Error: string(code), Key: apperr.KeyOf(err), Message: apperr.Message(err, lang)}
}

// WriteError answers err as JSON with the status of its code, in the
// request's language; internal errors are logged, not shown.
func WriteError(w http.ResponseWriter, r *http.Request, err error, logger *slog.Logger) {
	status := apperr.HTTPStatus(err)
	if status == http.StatusInternalServerError && logger != nil {
		logger.Error("api request failed", "path", r.URL.Path, "err", err)
	}
	if apperr.Is(err, apperr.Unauthorized) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kitei"`)
	}
	WriteJSON(w, status, Body(err, Lang(r)))
}

// Lang is the language of a request: ?lang=, the language cookie, else
// Japanese (see i18n.FromRequest).
func Lang(r *http.Request) i18n.Lang { return i18n.FromRequest(r) }

// ServeDownload sets the headers of a file download and answers 200; the
// caller then writes the file.
func ServeDownload(w http.ResponseWriter, contentType, filename string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
}

// Package apperr gives errors an application code and a message key, so
// the web, API and CLI layers can turn any error into the right status and
// a clear message in the reader's language in one place.
//
// A capability returns E(code, key, args...) where key names a message in
// the i18n catalogs (internal/i18n/messages/<lang>/<capability>.json).
// Error() renders the message in English for logs and the CLI; Message
// renders it in any language for pages and the API.
package apperr

import (
	"errors"
	"net/http"

	"kitei/internal/i18n"
)

// Code classifies an error.
type Code string

const (
	Internal Code = "internal"
	// Invalid is a request that was understood but breaks a rule of the
	// capability (a missing field, a date out of order): 422.
	Invalid Code = "invalid"
	// BadRequest is a request that could not be read at all (malformed
	// JSON, an unknown field, a query parameter that is not a number): 400.
	BadRequest   Code = "bad_request"
	NotFound     Code = "not_found"
	Conflict     Code = "conflict"
	Unauthorized Code = "unauthorized"
	Forbidden    Code = "forbidden"
	TooLarge     Code = "too_large"
)

// Error is an error with a code and a message meant for the user: a
// catalog key with its arguments, or (Cause: for causes from outside kitei,
// such as a parser's) the cause's own text. There is no constructor for a
// literal message: every text a person reads lives in the catalogs.
type Error struct {
	Code Code
	Key  string // message key in the i18n catalogs
	Args []any  // its arguments; an error or a Text among them is translated too
	Err  error  // underlying cause, if any
	// ShowCause appends the cause's message after the key's ("…: cause").
	ShowCause bool
}

func (e *Error) Error() string { return e.Text(i18n.En) }

// Text is the message in lang.
func (e *Error) Text(lang i18n.Lang) string {
	var msg string
	switch {
	case e.Key != "":
		msg = i18n.T(lang, e.Key, localArgs(lang, e.Args)...)
	case e.Err != nil:
		return Message(e.Err, lang)
	}
	if e.ShowCause && e.Err != nil {
		msg += ": " + Message(e.Err, lang)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// T is a translatable text used as an argument of another message (a field
// name, a status label): rendered in the same language as the message.
type T struct {
	Key  string
	Args []any
}

// L is an argument that data gives in several languages (a request type's
// name or field label): rendered in the message's language, else Japanese.
type L map[i18n.Lang]string

func (l L) in(lang i18n.Lang) string {
	if v := l[lang]; v != "" {
		return v
	}
	return l[i18n.Default]
}

func (l L) String() string { return l.in(i18n.En) }

// Msg returns a translatable text argument.
func Msg(key string, args ...any) T { return T{Key: key, Args: args} }

func (t T) String() string { return i18n.T(i18n.En, t.Key, localArgs(i18n.En, t.Args)...) }

func localArgs(lang i18n.Lang, args []any) []any {
	if len(args) == 0 {
		return nil
	}
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case T:
			out[i] = i18n.T(lang, v.Key, localArgs(lang, v.Args)...)
		case L:
			out[i] = v.in(lang)
		case error:
			out[i] = Message(v, lang)
		default:
			out[i] = a
		}
	}
	return out
}

// E returns an error with code and the catalog message key with its args.
func E(code Code, key string, args ...any) error {
	return &Error{Code: code, Key: key, Args: args}
}

// WrapE returns err with code and the catalog message key; the message is
// the key's text followed by the cause's ("…: cause").
func WrapE(code Code, err error, key string, args ...any) error {
	return &Error{Code: code, Key: key, Args: args, Err: err, ShowCause: true}
}

// KeyOf returns the message key of err, "" when it has none.
func KeyOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Key
	}
	return ""
}

// Message is err's message in lang: the catalog text of its key, else its
// literal text. Internal errors say only that something went wrong, so no
// detail of the system leaks to the reader.
func Message(err error, lang i18n.Lang) string {
	if err == nil {
		return ""
	}
	var e *Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	return e.Text(lang)
}

// Public is err's message in lang for a page or an API answer: internal
// errors become a generic message.
func Public(err error, lang i18n.Lang) string {
	if CodeOf(err) == Internal {
		return i18n.T(lang, "error.internal")
	}
	return Message(err, lang)
}

// Cause returns err with code, its message being the cause's own (an error
// from a parser or a library whose text is all there is to say).
func Cause(code Code, err error) error { return &Error{Code: code, Err: err} }

// CodeOf returns the code of err, Internal when it has none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// HTTPStatus is the HTTP status for err's code; the web pages and the API
// both answer with it.
func HTTPStatus(err error) int {
	switch CodeOf(err) {
	case Invalid:
		return http.StatusUnprocessableEntity
	case BadRequest:
		return http.StatusBadRequest
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case Unauthorized:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// Package apperr gives errors an application code, so the web, API and CLI
// layers can turn any error into the right status and a clear message in
// one place.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
)

// Code classifies an error.
type Code string

const (
	Internal     Code = "internal"
	Invalid      Code = "invalid"
	NotFound     Code = "not_found"
	Conflict     Code = "conflict"
	Unauthorized Code = "unauthorized"
	Forbidden    Code = "forbidden"
	TooLarge     Code = "too_large"
)

// Error is an error with a code and a message meant for the user.
type Error struct {
	Code    Code
	Message string
	Err     error // underlying cause, if any
}

func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with code and a formatted message.
func New(code Code, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns err with code and a message prefix.
func Wrap(code Code, err error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if msg != "" {
		msg += ": " + err.Error()
	} else {
		msg = err.Error()
	}
	return &Error{Code: code, Message: msg, Err: err}
}

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

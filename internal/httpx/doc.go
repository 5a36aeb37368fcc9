// Package httpx is the HTTP plumbing every capability's pages and API
// handlers share: the route type with its permission, path ids, JSON in and
// out, and the one error writer that turns an apperr into a status and a
// message in the request's language.
package httpx

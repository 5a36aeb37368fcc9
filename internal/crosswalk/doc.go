// Package crosswalk links the requirements of one catalog to those of
// another — a derived rulebook to the standard it follows, a guideline to
// the standard it elaborates. It suggests links by text similarity, keeps
// the links people confirm or reject, reports the parent requirements no
// derived requirement covers, and compares two editions of one catalog.
package crosswalk

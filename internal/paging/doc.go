// Package paging is keyset paging for every list that can grow: a list is
// read in pages of Limit rows ordered by a sort key and a unique id, and the
// next page starts after the last row shown, named by an opaque cursor.
//
// Stores read Limit+1 rows after the cursor ("WHERE (key, id) > (?, ?)
// ORDER BY key, id LIMIT n+1", or the reverse for newest-first lists) and
// hand them to Cut, which trims the extra row and makes the next cursor from
// the last row kept; Read does the whole of it for a service (count the
// list, read the page, cut it). The cursor is the last row's key and id, base64url
// encoded so that it survives a URL unescaped; it carries no permission and
// no offset, so a page stays cheap however deep it is and rows added while
// someone pages are neither skipped nor repeated.
//
// Pages carry the cursor in their links (?after=…); the API takes
// ?after=…&limit=… and answers with the next cursor in a "next" field where
// the body is an object, and always in the Link header (rel="next") and in
// X-Next-Cursor.
package paging

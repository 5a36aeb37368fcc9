// Package webui is the page kit every capability's handlers use: the page
// every template receives, the one renderer (the shared layout plus each
// capability's templates), navigation entries, and the helpers that render
// a page, an error in the reader's language or a redirect after a post.
// A capability's pages import webui, never the web server.
package webui

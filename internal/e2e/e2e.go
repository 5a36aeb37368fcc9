// Package e2e holds end-to-end tests: the real binary's wiring (cli.Main)
// serving on a loopback port, driven over HTTP and in headless Chromium.
package e2e

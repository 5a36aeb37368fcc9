// Command kitei is the information-security policy platform: web server,
// REST API and command line in one binary. See internal/cli.
package main

import (
	"context"
	"os"

	"kitei/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), &cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, os.Args[1:]))
}

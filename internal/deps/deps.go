//go:build tools

// Package deps pins modules that capabilities under construction use, so
// go.mod keeps them while that code lands.
package deps

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/pquerna/otp/totp"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/xuri/excelize/v2"
	_ "golang.org/x/crypto/argon2"
	_ "gopkg.in/yaml.v3"
)

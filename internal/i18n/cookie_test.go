package i18n

import "net/http"

var httpCookie = http.Cookie{Name: CookieName, Value: "en"}

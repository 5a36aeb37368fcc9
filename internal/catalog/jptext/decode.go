package jptext

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"

	"kitei/internal/catalog"
)

// Encoding names reported by Decode.
const (
	encUTF8      = "utf-8"
	encUTF16LE   = "utf-16le"
	encUTF16BE   = "utf-16be"
	encShiftJIS  = "shift_jis"
	encEUCJP     = "euc-jp"
	encISO2022JP = "iso-2022-jp"
)

// Decode detects the encoding of data and returns it as UTF-8 text with
// line endings normalised to "\n" (CRLF, lone CR and form feed all become
// "\n") and any byte-order mark removed.
//
// Detection order:
//  1. a byte-order mark (UTF-8, UTF-16LE, UTF-16BE);
//  2. NUL bytes: text with NULs is taken as UTF-16 when the NULs sit almost
//     all at odd (little-endian) or even (big-endian) offsets, otherwise as
//     binary;
//  3. ISO-2022-JP when the data is 7-bit with JIS escape sequences;
//  4. valid UTF-8;
//  5. Shift_JIS (CP932) or EUC-JP, whichever decodes with fewer invalid
//     sequences (half-width katakana, the usual sign of the wrong guess,
//     breaks ties).
//
// Errors wrap catalog.ErrEmpty, catalog.ErrTooLarge, catalog.ErrBinary or
// catalog.ErrEncoding.
func Decode(data []byte) (text, encodingName string, err error) {
	if len(data) == 0 {
		return "", "", catalog.ErrEmpty
	}
	if len(data) > catalog.MaxImportSize {
		return "", "", fmt.Errorf("%w: %d bytes, at most %d accepted", catalog.ErrTooLarge, len(data), catalog.MaxImportSize)
	}

	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		body := data[3:]
		if !utf8.Valid(body) {
			return "", "", fmt.Errorf("%w: UTF-8 byte-order mark but invalid UTF-8 bytes", catalog.ErrEncoding)
		}
		return finish(string(body), encUTF8)
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return decodeUTF16(data, unicode.LittleEndian, encUTF16LE)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return decodeUTF16(data, unicode.BigEndian, encUTF16BE)
	}

	if nul := bytes.IndexByte(data, 0); nul >= 0 {
		even, odd := 0, 0
		for i, c := range data {
			if c == 0 {
				if i&1 == 0 {
					even++
				} else {
					odd++
				}
			}
		}
		total := even + odd
		switch {
		case len(data)%2 == 0 && odd*10 >= total*9 && odd*8 >= len(data)/2/8:
			return decodeUTF16(data, unicode.LittleEndian, encUTF16LE)
		case len(data)%2 == 0 && even*10 >= total*9 && even*8 >= len(data)/2/8:
			return decodeUTF16(data, unicode.BigEndian, encUTF16BE)
		}
		return "", "", fmt.Errorf("%w: NUL byte at offset %d", catalog.ErrBinary, nul)
	}

	if n, at := countControls(data); n > 0 && (n*100 > len(data) || n > 64) {
		return "", "", fmt.Errorf("%w: control byte 0x%02x at offset %d", catalog.ErrBinary, data[at], at)
	}

	if isISO2022JP(data) {
		s, bad := decodeWith(japanese.ISO2022JP, data)
		if bad == 0 {
			return finish(s, encISO2022JP)
		}
	}

	if utf8.Valid(data) {
		return finish(string(data), encUTF8)
	}

	sj, sjBad := decodeWith(japanese.ShiftJIS, data)
	eu, euBad := decodeWith(japanese.EUCJP, data)
	sjScore := sjBad*16 + countHalfwidthKana(sj)
	euScore := euBad*16 + countHalfwidthKana(eu)
	text, name, bad := sj, encShiftJIS, sjBad
	if euScore < sjScore {
		text, name, bad = eu, encEUCJP, euBad
	}
	runes := utf8.RuneCountInString(text)
	if bad*50 > runes || bad > 1000 {
		return "", "", fmt.Errorf("%w: not UTF-8, UTF-16, Shift_JIS or EUC-JP (%d invalid sequences as %s)", catalog.ErrEncoding, bad, name)
	}
	return finish(text, name)
}

// decodeUTF16 decodes data (BOM optional) and rejects results that look
// like binary data rather than text.
func decodeUTF16(data []byte, order unicode.Endianness, name string) (string, string, error) {
	if len(data)%2 != 0 {
		return "", "", fmt.Errorf("%w: %s with an odd number of bytes", catalog.ErrEncoding, name)
	}
	s, bad := decodeWith(unicode.UTF16(order, unicode.UseBOM), data)
	if bad > 0 && bad*50 > len(data)/2 {
		return "", "", fmt.Errorf("%w: %d invalid %s sequences", catalog.ErrEncoding, bad, name)
	}
	if n, at := countControlRunes(s); n > 0 && (n*100 > len(s) || n > 64) {
		return "", "", fmt.Errorf("%w: control character at character %d after %s decoding", catalog.ErrBinary, at, name)
	}
	return finish(s, name)
}

// decodeWith runs a decoder over data and counts the replacement
// characters it produced (invalid input). Input that already contained
// U+FFFD is not expected for legacy encodings.
func decodeWith(enc encoding.Encoding, data []byte) (string, int) {
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return "", len(data)
	}
	s := string(out)
	return s, strings.Count(s, "\uFFFD")
}

// finish removes a leading BOM, normalises line endings and makes a final
// control-character check on the decoded text.
func finish(s, name string) (string, string, error) {
	s = strings.TrimPrefix(s, "\uFEFF")
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	if strings.IndexByte(s, '\f') >= 0 {
		s = strings.ReplaceAll(s, "\f", "\n")
	}
	if strings.TrimSpace(s) == "" {
		return "", "", fmt.Errorf("%w: only blank characters", catalog.ErrEmpty)
	}
	return s, name, nil
}

// isTextControl reports whether c is a C0 control that plain text does not
// contain. Tab, line feed, vertical tab, form feed, carriage return and
// escape (ISO-2022-JP) are allowed.
func isTextControl(c rune) bool {
	if c == 0x7F {
		return true
	}
	if c >= 0x20 {
		return false
	}
	switch c {
	case '\t', '\n', '\v', '\f', '\r', 0x1B:
		return false
	}
	return true
}

// countControls counts bytes that are controls no text file holds and
// returns the offset of the first.
func countControls(data []byte) (n, first int) {
	first = -1
	for i, c := range data {
		if c < 0x20 || c == 0x7F {
			if isTextControl(rune(c)) {
				if first < 0 {
					first = i
				}
				n++
			}
		}
	}
	return n, first
}

// countControlRunes is countControls for decoded text; first is a rune index.
func countControlRunes(s string) (n, first int) {
	first = -1
	i := 0
	for _, r := range s {
		if isTextControl(r) {
			if first < 0 {
				first = i
			}
			n++
		}
		i++
	}
	return n, first
}

// countHalfwidthKana counts half-width katakana (U+FF61–U+FF9F), which a
// wrongly guessed legacy encoding tends to produce in quantity.
func countHalfwidthKana(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0xFF61 && r <= 0xFF9F {
			n++
		}
	}
	return n
}

// isISO2022JP reports whether data is 7-bit and switches into a JIS X 0208
// character set with an escape sequence.
func isISO2022JP(data []byte) bool {
	for _, c := range data {
		if c >= 0x80 {
			return false
		}
	}
	return bytes.Contains(data, []byte("\x1b$B")) || bytes.Contains(data, []byte("\x1b$@"))
}

// splitLines splits text into lines without their line endings.
func splitLines(text string) []string {
	if strings.IndexByte(text, '\r') >= 0 {
		text = strings.ReplaceAll(text, "\r\n", "\n")
		text = strings.ReplaceAll(text, "\r", "\n")
	}
	return strings.Split(text, "\n")
}

package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// encodingVersion starts every encoding, so a future change of fields or
// format cannot be confused with this one.
const encodingVersion = "kitei-audit-v1"

// Encode returns the canonical encoding of the event that Hash covers.
//
// It is the line "kitei-audit-v1" followed by one line per field, in this
// fixed order:
//
//	seq at actor actor_id action object_type object_id unit_id ip detail prev_hash
//
// each written as NAME=LEN:VALUE and a newline, where LEN is the byte length
// of VALUE in decimal. Integers are decimal, At is written with TimeLayout
// in UTC, text is the UTF-8 bytes as stored. The length prefix makes the
// encoding unambiguous whatever the values contain (newlines, "=").
// Hash itself is the only field left out.
func (e Event) Encode() []byte {
	b := make([]byte, 0, 256+len(e.Detail))
	b = append(b, encodingVersion...)
	b = append(b, '\n')
	field := func(name, value string) {
		b = append(b, name...)
		b = append(b, '=')
		b = strconv.AppendInt(b, int64(len(value)), 10)
		b = append(b, ':')
		b = append(b, value...)
		b = append(b, '\n')
	}
	field("seq", strconv.FormatInt(e.Seq, 10))
	field("at", e.At.UTC().Format(TimeLayout))
	field("actor", e.Actor)
	field("actor_id", strconv.FormatInt(e.ActorID, 10))
	field("action", e.Action)
	field("object_type", e.ObjectType)
	field("object_id", e.ObjectID)
	field("unit_id", strconv.FormatInt(e.UnitID, 10))
	field("ip", e.IP)
	field("detail", e.Detail)
	field("prev_hash", e.PrevHash)
	return b
}

// ComputeHash returns the hex SHA-256 of Encode().
func (e Event) ComputeHash() string {
	sum := sha256.Sum256(e.Encode())
	return hex.EncodeToString(sum[:])
}

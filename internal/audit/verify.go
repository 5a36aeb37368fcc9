package audit

import (
	"context"
	"errors"
	"fmt"
)

// Problem classifies what Verify found wrong.
type Problem string

const (
	// Edited: the entry's content no longer matches its hash.
	Edited Problem = "edited"
	// Deleted: entries are missing inside the chain.
	Deleted Problem = "deleted"
	// Reordered: an entry sits at another place than the one it was written at.
	Reordered Problem = "reordered"
	// Relinked: the entry is consistent by itself but does not link to the
	// entry before it (one of the two was replaced and re-hashed).
	Relinked Problem = "relinked"
	// Truncated: entries are missing at the end (the chain head records more).
	Truncated Problem = "truncated"
	// Unrecorded: entries follow the chain head (added outside kitei).
	Unrecorded Problem = "unrecorded"
	// HeadMismatch: the last entry does not match the chain head.
	HeadMismatch Problem = "head_mismatch"
	// NoHead: the chain head record is missing.
	NoHead Problem = "no_head"
)

// Result is the outcome of Verify.
type Result struct {
	OK      bool
	Entries int64 // entries read
	Head    Head  // the chain head as recorded
	// When not OK: the first bad entry, what is wrong, and an explanation.
	Seq     int64
	Problem Problem
	Reason  string
	// For Deleted and Truncated: the missing range is Seq … LastMissing.
	// For Reordered: WrittenAs is the position the entry was written at.
	LastMissing int64
	WrittenAs   int64
}

func (r Result) String() string {
	if r.OK {
		return fmt.Sprintf("audit trail intact: %d entries (head %d %s)", r.Entries, r.Head.Seq, r.Head.Hash)
	}
	return fmt.Sprintf("audit trail broken at entry %d (%s): %s", r.Seq, r.Problem, r.Reason)
}

// errStop ends the walk at the first bad entry.
var errStop = errors.New("stop")

// Verify walks the whole chain in Seq order and checks, for every entry,
// that it follows the previous one without a gap, that it links to the
// previous entry's hash and that its content matches its own hash; then
// that the last entry matches the chain head. It reports the first bad
// entry. The error is for failures to read the store, not for a broken chain.
func Verify(ctx context.Context, st Store) (Result, error) {
	var (
		res  Result
		prev = Head{Seq: 0, Hash: Genesis}
		bad  *Event
	)
	head, err := st.Iterate(ctx, func(e Event) error {
		if e.Seq != prev.Seq+1 || e.PrevHash != prev.Hash || e.ComputeHash() != e.Hash {
			bad = &e
			return errStop
		}
		res.Entries++
		prev = Head{Seq: e.Seq, Hash: e.Hash}
		return nil
	})
	res.Head = head
	switch {
	case errors.Is(err, ErrNoHead):
		res.Problem, res.Reason = NoHead, "the chain head record is missing, so deleted entries at the end cannot be ruled out"
		return res, nil
	case err != nil && !errors.Is(err, errStop):
		return res, err
	}
	if bad != nil {
		if err := diagnose(ctx, st, &res, prev, *bad); err != nil {
			return res, err
		}
		return res, nil
	}
	switch {
	case head.Seq > prev.Seq:
		res.Seq, res.LastMissing, res.Problem = prev.Seq+1, head.Seq, Truncated
		res.Reason = fmt.Sprintf("%s missing at the end: the chain head records %d entries but the trail ends at %d",
			span(prev.Seq+1, head.Seq), head.Seq, prev.Seq)
	case head.Seq < prev.Seq:
		res.Seq, res.Problem = head.Seq+1, Unrecorded
		res.Reason = fmt.Sprintf("entries from %d on were added outside kitei: the chain head records only %d entries",
			head.Seq+1, head.Seq)
	case head.Hash != prev.Hash:
		res.Seq, res.Problem = prev.Seq, HeadMismatch
		res.Reason = fmt.Sprintf("entry %d is not the entry the chain head records (it was replaced)", prev.Seq)
	default:
		res.OK = true
	}
	return res, nil
}

// diagnose says what is wrong with e, the first entry that does not follow
// prev.
func diagnose(ctx context.Context, st Store, res *Result, prev Head, e Event) error {
	want := prev.Seq + 1
	hashOK := e.ComputeHash() == e.Hash
	linkOK := e.PrevHash == prev.Hash
	switch {
	case e.Seq > want && e.PrevHash != prev.Hash:
		// A gap: the entries in between are gone, whatever they were.
		res.Seq, res.LastMissing, res.Problem = want, e.Seq-1, Deleted
		res.Reason = fmt.Sprintf("%s missing: entry %d follows entry %d", span(want, e.Seq-1), e.Seq, prev.Seq)
		return nil
	case e.Seq > want:
		// The next entry links correctly across the gap: its seq was changed.
		res.Seq, res.Problem = e.Seq, Edited
		res.Reason = fmt.Sprintf("entry %d was renumbered: it links to entry %d and should be %d", e.Seq, prev.Seq, want)
		return nil
	case !hashOK && linkOK:
		res.Seq, res.Problem = e.Seq, Edited
		res.Reason = fmt.Sprintf("entry %d was changed after it was written: its content does not match its hash", e.Seq)
		return nil
	case hashOK && !linkOK:
		res.Seq, res.Problem = e.Seq, Relinked
		res.Reason = fmt.Sprintf("entry %d does not link to entry %d: one of them was replaced", e.Seq, prev.Seq)
		return nil
	}
	// Neither its hash nor its link fits: a moved entry or a heavier edit.
	// Find the entry this one was chained after.
	var before *Event
	if _, err := st.Iterate(ctx, func(x Event) error {
		if x.Hash == e.PrevHash {
			before = &x
			return errStop
		}
		return nil
	}); err != nil && !errors.Is(err, errStop) {
		return err
	}
	if before != nil {
		moved := e
		moved.Seq = before.Seq + 1
		if moved.ComputeHash() == e.Hash {
			res.Seq, res.WrittenAs, res.Problem = e.Seq, moved.Seq, Reordered
			res.Reason = fmt.Sprintf("the entry at %d was written as entry %d: entries were reordered", e.Seq, moved.Seq)
			return nil
		}
	}
	res.Seq, res.Problem = e.Seq, Edited
	res.Reason = fmt.Sprintf("entry %d was changed after it was written: neither its content nor its link to entry %d match", e.Seq, prev.Seq)
	return nil
}

func span(from, to int64) string {
	if from == to {
		return fmt.Sprintf("entry %d is", from)
	}
	return fmt.Sprintf("entries %d–%d are", from, to)
}

// Package checkpoint anchors the audit trail outside the store, so that
// someone who can write the database cannot rewrite it unnoticed even by
// recomputing every hash and the chain head.
//
// The entries of the trail are the leaves of an RFC 6962 Merkle tree
// (transparency-dev/merkle): leaf i is the hash of entry i+1's canonical
// encoding (audit.Event.Encode, which covers its content and its link to
// the entry before). A checkpoint is the tree size and root hash, in the
// checkpoint text format of transparency logs, signed as a note
// (golang.org/x/mod/sumdb/note) with an Ed25519 key kept outside the store.
//
// Write puts a new checkpoint into a directory the administrator chooses,
// together with the leaf hashes (the file "leaves", 32 bytes per entry),
// which the signed roots authenticate. Verify proves, for every checkpoint,
// that it is a prefix of today's trail (an RFC 6962 consistency proof) and,
// when one is not, names the first entry that was rewritten by comparing
// today's leaves with the authenticated ones.
package checkpoint

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"kitei/internal/audit"
)

// Origin is the first line of kitei's checkpoints.
const Origin = "kitei audit trail"

// LeavesFile holds the leaf hashes in the checkpoint directory.
const LeavesFile = "leaves"

var hasher = rfc6962.DefaultHasher

// Leaf is the Merkle leaf hash of an entry.
func Leaf(e audit.Event) []byte { return hasher.HashLeaf(e.Encode()) }

// Leaves reads today's trail from st and returns its leaf hashes in order.
func Leaves(ctx context.Context, st audit.Store) ([][]byte, error) {
	var out [][]byte
	_, err := st.Iterate(ctx, func(e audit.Event) error {
		out = append(out, Leaf(e))
		return nil
	})
	if errors.Is(err, audit.ErrNoHead) {
		err = nil // the chain check reports that; the tree needs the entries only
	}
	return out, err
}

// Root returns the Merkle tree root of leaves.
func Root(leaves [][]byte) []byte {
	f := compact.RangeFactory{Hash: hasher.HashChildren}
	r := f.NewEmptyRange(0)
	for _, l := range leaves {
		if err := r.Append(l, nil); err != nil {
			panic(err) // appending to a range that starts at 0 cannot fail
		}
	}
	root, err := r.GetRootHash(nil)
	if err != nil || len(leaves) == 0 {
		return hasher.EmptyRoot()
	}
	return root
}

// subtree returns the hash of the perfect subtree id over leaves.
func subtree(leaves [][]byte, id compact.NodeID) []byte {
	begin, end := id.Coverage()
	return Root(leaves[begin:end])
}

// ConsistencyProof returns the RFC 6962 proof that the tree of size m is a
// prefix of the tree over leaves.
func ConsistencyProof(leaves [][]byte, m uint64) ([][]byte, error) {
	nodes, err := proof.Consistency(m, uint64(len(leaves)))
	if err != nil {
		return nil, err
	}
	hashes := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		hashes[i] = subtree(leaves, id)
	}
	return nodes.Rehash(hashes, hasher.HashChildren)
}

// Checkpoint is a signed statement of the tree size and root.
type Checkpoint struct {
	Size uint64
	Root []byte
	File string // where it was read from
}

func (c Checkpoint) text() string {
	return fmt.Sprintf("%s\n%d\n%s\n", Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root))
}

func parse(text string) (Checkpoint, error) {
	lines := strings.Split(text, "\n")
	if len(lines) < 4 || lines[0] != Origin {
		return Checkpoint{}, errors.New("not a kitei audit checkpoint")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint size: %v", err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != sha256.Size {
		return Checkpoint{}, errors.New("checkpoint root hash is malformed")
	}
	return Checkpoint{Size: size, Root: root}, nil
}

// GenerateKey returns a new signing key and its verifier key, in note
// format, named name (e.g. "kitei-audit").
func GenerateKey(name string) (skey, vkey string, err error) {
	return note.GenerateKey(rand.Reader, name)
}

func fileName(size uint64) string { return fmt.Sprintf("checkpoint-%012d.note", size) }

// Write appends today's new leaves to dir/leaves and writes a checkpoint of
// today's trail signed with skey. It refuses (and writes nothing) when the
// leaves already in dir are not a prefix of today's trail: someone rewrote
// entries, and a new checkpoint must not bless that.
func Write(ctx context.Context, st audit.Store, dir, skey string) (Checkpoint, error) {
	signer, err := note.NewSigner(strings.TrimSpace(skey))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint key: %v", err)
	}
	leaves, err := Leaves(ctx, st)
	if err != nil {
		return Checkpoint{}, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Checkpoint{}, err
	}
	old, err := readLeaves(dir)
	if err != nil {
		return Checkpoint{}, err
	}
	if len(old) > len(leaves) {
		return Checkpoint{}, fmt.Errorf("checkpoint: the trail has %d entries but %d were checkpointed: entries were deleted", len(leaves), len(old))
	}
	for i := range old {
		if !bytes.Equal(old[i], leaves[i]) {
			return Checkpoint{}, fmt.Errorf("checkpoint: entry %d differs from the one checkpointed: the trail was rewritten; run kitei audit verify --checkpoints", i+1)
		}
	}
	if len(leaves) > len(old) {
		f, err := os.OpenFile(filepath.Join(dir, LeavesFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
		if err != nil {
			return Checkpoint{}, err
		}
		for _, l := range leaves[len(old):] {
			if _, err := f.Write(l); err != nil {
				f.Close()
				return Checkpoint{}, err
			}
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return Checkpoint{}, err
		}
		if err := f.Close(); err != nil {
			return Checkpoint{}, err
		}
	}
	c := Checkpoint{Size: uint64(len(leaves)), Root: Root(leaves)}
	msg, err := note.Sign(&note.Note{Text: c.text()}, signer)
	if err != nil {
		return Checkpoint{}, err
	}
	c.File = filepath.Join(dir, fileName(c.Size))
	tmp := c.File + ".tmp"
	if err := os.WriteFile(tmp, msg, 0o640); err != nil {
		return Checkpoint{}, err
	}
	return c, os.Rename(tmp, c.File)
}

func readLeaves(dir string) ([][]byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, LeavesFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	n := len(b) / sha256.Size // a torn last write is ignored
	out := make([][]byte, n)
	for i := range out {
		out[i] = b[i*sha256.Size : (i+1)*sha256.Size]
	}
	return out, nil
}

// Read returns the checkpoints in dir verified with vkey, by size. A file
// whose signature does not verify is an error: it is not silently skipped.
func Read(dir, vkey string) ([]Checkpoint, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, fmt.Errorf("verifier key: %v", err)
	}
	names, err := filepath.Glob(filepath.Join(dir, "checkpoint-*.note"))
	if err != nil {
		return nil, err
	}
	var out []Checkpoint
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		n, err := note.Open(b, note.VerifierList(v))
		if err != nil {
			return nil, fmt.Errorf("%s: signature does not verify: %v", filepath.Base(name), err)
		}
		c, err := parse(n.Text)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", filepath.Base(name), err)
		}
		c.File = name
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Size < out[j].Size })
	return out, nil
}

// Result is the outcome of Verify.
type Result struct {
	OK          bool
	Checkpoints int    // checkpoints checked
	Entries     uint64 // entries in today's trail
	// When not OK: the checkpoint that today's trail does not extend, and
	// the first rewritten entry (its seq; 0 when only a range is known:
	// entries After+1 … Bad.Size).
	Bad       *Checkpoint
	FirstSeq  int64
	After     uint64
	Truncated bool
	Reason    string
}

func (r Result) String() string {
	if r.OK {
		return fmt.Sprintf("audit trail consistent with %d signed checkpoints (%d entries)", r.Checkpoints, r.Entries)
	}
	return "audit trail does not match its signed checkpoints: " + r.Reason
}

// Verify checks today's trail in st against the signed checkpoints in dir.
func Verify(ctx context.Context, st audit.Store, dir, vkey string) (Result, error) {
	cps, err := Read(dir, vkey)
	if err != nil {
		return Result{}, err
	}
	if len(cps) == 0 {
		return Result{}, fmt.Errorf("no checkpoints in %s", dir)
	}
	leaves, err := Leaves(ctx, st)
	if err != nil {
		return Result{}, err
	}
	res := Result{Entries: uint64(len(leaves))}
	n := uint64(len(leaves))
	today := Root(leaves)
	var good uint64 // largest size proven consistent
	for i := range cps {
		c := cps[i]
		res.Checkpoints++
		if c.Size > n {
			res.Bad, res.Truncated, res.After = &c, true, n
			res.Reason = fmt.Sprintf("%s records %d entries but the trail has only %d: entries %d–%d were deleted",
				filepath.Base(c.File), c.Size, n, n+1, c.Size)
			return res, nil
		}
		p, err := ConsistencyProof(leaves, c.Size)
		if err != nil {
			return res, err
		}
		if err := proof.VerifyConsistency(hasher, c.Size, n, p, c.Root, today); err != nil {
			res.Bad, res.After = &c, good
			res.FirstSeq = firstRewritten(dir, c, leaves, good)
			if res.FirstSeq > 0 {
				res.Reason = fmt.Sprintf("entry %d was rewritten after %s was signed (it is not a prefix of today's trail)",
					res.FirstSeq, filepath.Base(c.File))
			} else {
				res.Reason = fmt.Sprintf("an entry between %d and %d was rewritten after %s was signed",
					good+1, c.Size, filepath.Base(c.File))
			}
			return res, nil
		}
		good = c.Size
	}
	res.OK = true
	return res, nil
}

// firstRewritten compares today's leaves with the checkpointed ones, once
// those are authenticated by c's signed root; 0 when they cannot be.
func firstRewritten(dir string, c Checkpoint, leaves [][]byte, from uint64) int64 {
	old, err := readLeaves(dir)
	if err != nil || uint64(len(old)) < c.Size || !bytes.Equal(Root(old[:c.Size]), c.Root) {
		return 0
	}
	for i := from; i < c.Size; i++ {
		if !bytes.Equal(old[i], leaves[i]) {
			return int64(i) + 1
		}
	}
	return 0
}

package audit

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrAnchor means an external anchor could not be parsed.
var ErrAnchor = errors.New("audit: malformed anchor")

// String is the anchor as SEQ:HASH with the hash in hex, the form ward
// logs every hour and `ward audit verify --anchor` takes.
func (a Anchor) String() string {
	h := a.Hash
	if len(h) == 0 {
		h = Genesis
	}
	return fmt.Sprintf("%d:%s", a.Seq, hex.EncodeToString(h))
}

// External is an anchor kept outside ward: a copy of the "audit chain
// head" line ward logs every hour and at shutdown. Whoever can write the
// database file and holds the secret key can rewrite and re-seal the
// whole chain, but not make it match a head copied elsewhere before.
type External struct {
	Anchor
	// V1 marks a head taken from a chain before keyed sealing (the hash
	// is then a plain SHA-256 one). The migration re-sealed every record,
	// so it can only be matched with the head the audit.migrate record
	// names, or while the chain has not been re-sealed yet.
	V1 bool
}

// String is the form ParseExternal reads.
func (e External) String() string {
	if e.V1 {
		return "v1:" + e.Anchor.String()
	}
	return e.Anchor.String()
}

// ParseExternal reads SEQ:HASH, or v1:SEQ:HASH for a head taken before
// the upgrade to keyed sealing. HASH is 32 bytes in hex (as ward logs it)
// or base64 (as the v1 head is stored in the database file).
func ParseExternal(s string) (External, error) {
	var e External
	rest, v1 := strings.CutPrefix(strings.TrimSpace(s), "v1:")
	e.V1 = v1
	seqText, hashText, ok := strings.Cut(rest, ":")
	if !ok {
		return e, fmt.Errorf("%w %q: want SEQ:HASH", ErrAnchor, s)
	}
	seq, err := strconv.ParseUint(seqText, 10, 64)
	if err != nil {
		return e, fmt.Errorf("%w %q: sequence number: %v", ErrAnchor, s, err)
	}
	hash, err := hex.DecodeString(hashText)
	if err != nil {
		hash, err = base64.StdEncoding.DecodeString(hashText)
	}
	if err != nil || len(hash) != HashSize {
		return e, fmt.Errorf("%w %q: hash: want %d bytes in hex or base64", ErrAnchor, s, HashSize)
	}
	e.Seq, e.Hash = seq, hash
	return e, nil
}

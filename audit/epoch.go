package audit

// Epoch is a run of records sealed under one MAC key. Rotating ward's
// secret key ends an epoch (its last record is the key.rotate_start
// record) and starts the next under a MAC key derived from the new secret
// key, so that the old secret key, once gone, can neither verify nor
// re-seal the records written after the rotation, and records from
// before it still verify under their own epoch's key.
type Epoch struct {
	// First is the sequence number of the epoch's first record (0 for
	// the epoch that starts the chain).
	First uint64
	// Key is the epoch's MAC key; nil when it cannot be opened (sealed
	// under a secret key ward no longer holds), so that its records fail
	// verification.
	Key []byte
}

// keyFor is the MAC key of the record numbered seq: the key of the
// newest epoch starting at or before it, or VerifyOptions.Key when no
// epochs are given.
func (v *Verifier) keyFor(seq uint64) []byte {
	if len(v.o.Epochs) == 0 {
		return v.o.Key
	}
	var key []byte
	for _, e := range v.o.Epochs {
		if e.First > seq {
			break
		}
		key = e.Key
	}
	return key
}

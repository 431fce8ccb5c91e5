package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Encode returns the stored form of a sealed record.
func (r Record) Encode() ([]byte, error) {
	return json.Marshal(r)
}

// Decode parses a stored record. It rejects unknown fields, trailing data
// and hashes of the wrong size, so that what verification checks is
// exactly what was stored.
func Decode(data []byte) (Record, error) {
	var r Record
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Record{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return Record{}, fmt.Errorf("%w: trailing data", ErrMalformed)
	}
	switch {
	case len(r.Prev) != HashSize:
		return Record{}, fmt.Errorf("%w: prev hash has %d bytes", ErrMalformed, len(r.Prev))
	case len(r.Hash) != HashSize:
		return Record{}, fmt.Errorf("%w: hash has %d bytes", ErrMalformed, len(r.Hash))
	case r.Action == "":
		return Record{}, fmt.Errorf("%w: no action", ErrMalformed)
	case r.Outcome != Success && r.Outcome != Failure:
		return Record{}, fmt.Errorf("%w: outcome %q", ErrMalformed, r.Outcome)
	}
	return r, nil
}

package auth

import "testing"

// TestDefaultDummyHashMatchesDefaultHasher: unknown users must cost as much
// as known ones, so the constant dummy hash must carry DefaultHasher's
// parameters; raising them means regenerating the constant.
func TestDefaultDummyHashMatchesDefaultHasher(t *testing.T) {
	ok, rehash, err := DefaultHasher().Verify("anything", defaultDummyHash)
	if err != nil || ok || rehash {
		t.Fatalf("Verify(dummy) = ok %v, rehash %v, err %v; want a well-formed hash at the default parameters", ok, rehash, err)
	}
}

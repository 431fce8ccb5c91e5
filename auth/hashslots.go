package auth

// MaxConcurrentHashes bounds the password hashes computed at once. Each
// argon2id computation holds 19 MiB (DefaultHasher); without a bound,
// anyone who can reach the sign-in page with enough addresses could make
// ward hold 19 MiB per concurrent request (a review reached 1.4 GB with 70
// requests). Past the bound, requests wait their turn; the per-address
// and per-account limits still decide who may try at all.
const MaxConcurrentHashes = 4

// boundedHasher lets at most cap(slots) hashes run at once.
type boundedHasher struct {
	Hasher
	slots chan struct{}
}

var _ Hasher = (*boundedHasher)(nil)

func newBoundedHasher(h Hasher, n int) *boundedHasher {
	return &boundedHasher{Hasher: h, slots: make(chan struct{}, n)}
}

// Hash implements Hasher.
func (b *boundedHasher) Hash(password string) (string, error) {
	b.slots <- struct{}{}
	defer func() { <-b.slots }()
	return b.Hasher.Hash(password)
}

// Verify implements Hasher.
func (b *boundedHasher) Verify(password, encoded string) (bool, bool, error) {
	b.slots <- struct{}{}
	defer func() { <-b.slots }()
	return b.Hasher.Verify(password, encoded)
}

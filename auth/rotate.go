package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// ErrKeyFromEnv means the key came from $WARD_SECRET_KEY, which ward
// cannot rewrite, so it cannot rotate it.
var ErrKeyFromEnv = errors.New("auth: the secret key comes from $" + EnvSecretKey + ", which ward cannot rewrite; " +
	"to rotate it, write the key to a file readable only by ward's user (printf %s \"$" + EnvSecretKey + "\" > /etc/ward/ward.key; chmod 600 /etc/ward/ward.key, in a directory ward may write to), " +
	"set " + EnvSecretKeyFile + " to that file, unset " + EnvSecretKey + ", restart ward, then run `ward key rotate`")

// RotateBatch is how many users' secrets one transaction re-seals: small
// enough that a batch holds bbolt's write lock for milliseconds (sign-ins
// wait behind it), large enough that 10 000 users take 100 transactions.
const RotateBatch = 100

// Rotation steps, in order, as RotateOptions.Step names them.
const (
	StepKeyWritten  = "key-written"  // the key file holds the new key and the old one
	StepStarted     = "started"      // the rotation is recorded, the audit epoch switched
	StepBatch       = "batch"        // a batch of users was re-sealed (once per batch)
	StepResealed    = "resealed"     // nothing stored needs the old key
	StepOldKeyGone  = "old-key-gone" // the key file holds the new key only
	StepRotateEnded = "ended"        // the rotation is done and audited
)

// RotateOptions tune a rotation.
type RotateOptions struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Actor and IP name who rotates in the audit trail; empty means
	// SystemActor (a rotation resumed at start).
	Actor, IP string
	// Batch is how many users one transaction re-seals; 0 means
	// RotateBatch.
	Batch int
	// Step, when set, is called after each step commits (crash tests
	// stop the process there).
	Step func(step string)
}

// RotateReport says what a rotation did.
type RotateReport struct {
	// From and To are the ids of the old and the new key.
	From, To string
	// Resumed means an interrupted rotation was finished.
	Resumed bool
	// Resealed counts values re-sealed under the new key, Batches the
	// transactions that did it (over the whole rotation).
	Resealed, Batches int
}

// RotateKey rotates k, ward's secret key: it finishes a rotation in
// progress, or starts one. A new rotation
//
//  1. writes a new key into k's key file next to the old one (atomic
//     write, mode 0600) and makes it k's current key, so that every holder of k
//     seals under it at once while the old one still opens;
//  2. records the rotation, appends key.rotate_start and switches the
//     audit chain to a new epoch keyed by the new key (one transaction);
//  3. re-seals every user's TOTP secret and pending enrolment, RotateBatch
//     users per transaction, then the key check and every user once more
//     in one transaction, and overwrites the database file's free pages,
//     which still hold the old ciphertexts;
//  4. rewrites the key file with the new key only, drops the old key from
//     k, and ends the rotation with a key.rotate record.
//
// Each step can be interrupted (a crash, kill -9) and is resumed by the
// next RotateKey or ResumeRotation: the key file says whether a rotation
// began, the database how far it got, and every step is idempotent.
func RotateKey(ctx context.Context, st *storage.State, k *Key, o RotateOptions) (RotateReport, error) {
	k.rotating.Lock()
	defer k.rotating.Unlock()
	rot, err := st.KeyRotation()
	if err != nil {
		return RotateReport{}, fmt.Errorf("auth: %w", err)
	}
	if rot != nil || k.ring.Load().prev != nil {
		rep, err := resume(ctx, st, k, rot, o)
		rep.Resumed = true
		return rep, err
	}
	if k.file == "" {
		return RotateReport{}, ErrKeyFromEnv
	}
	raw := make([]byte, KeySize)
	rand.Read(raw)
	next, err := newMaterial(raw)
	if err != nil {
		return RotateReport{}, err
	}
	r := &keyRing{cur: next, prev: k.ring.Load().cur}
	if err := writeKeyFile(k.file, formatRing(r)); err != nil {
		return RotateReport{}, err
	}
	k.ring.Store(r)
	o.step(StepKeyWritten)
	return resume(ctx, st, k, nil, o)
}

// ResumeRotation finishes a rotation that was interrupted, if any: every
// start calls it. It reports whether there was one.
func ResumeRotation(ctx context.Context, st *storage.State, k *Key, o RotateOptions) (RotateReport, bool, error) {
	k.rotating.Lock()
	defer k.rotating.Unlock()
	rot, err := st.KeyRotation()
	if err != nil {
		return RotateReport{}, false, fmt.Errorf("auth: %w", err)
	}
	if rot == nil && k.ring.Load().prev == nil {
		return RotateReport{}, false, nil
	}
	rep, err := resume(ctx, st, k, rot, o)
	rep.Resumed = true
	return rep, true, err
}

// resume carries a rotation from wherever it stopped to its end; rot is
// the rotation recorded in the database, nil when none is.
func resume(ctx context.Context, st *storage.State, k *Key, rot *storage.KeyRotation, o RotateOptions) (RotateReport, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	r := k.ring.Load()
	if rot == nil {
		// The key file holds the new key and the old one; the database
		// does not know yet.
		rot = &storage.KeyRotation{From: hexID(r.prev), To: hexID(r.cur), Started: now()}
		rec := o.record(now(), audit.ActionKeyRotateStart, map[string]string{"from_key": rot.From, "to_key": rot.To, "key_file": k.file})
		if err := st.StartKeyRotation(*rot, k, rec); err != nil {
			return RotateReport{}, fmt.Errorf("auth: %w", err)
		}
		o.step(StepStarted)
	}
	rep := RotateReport{From: rot.From, To: rot.To}
	switch {
	case rot.To != hexID(r.cur):
		return rep, fmt.Errorf("auth: a rotation from key %s to key %s is recorded, but the current key in %s is %s: put back the key file the rotation wrote (both keys), then run `ward key rotate` again", rot.From, rot.To, k.where(), hexID(r.cur))
	case r.prev != nil && rot.From != hexID(r.prev):
		return rep, fmt.Errorf("auth: a rotation from key %s is recorded, but the previous key in %s is %s", rot.From, k.where(), hexID(r.prev))
	}
	batch := o.Batch
	if batch <= 0 {
		batch = RotateBatch
	}
	for done := false; !done; {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("auth: key rotation stopped (run `ward key rotate` to finish it): %w", err)
		}
		var err error
		if _, done, err = st.ResealUsers(batch, k.resealUser); err != nil {
			return rep, fmt.Errorf("auth: re-seal: %w", err)
		}
		o.step(StepBatch)
	}
	check := func(v []byte) ([]byte, bool, error) { return k.Reseal(v, keyCheckAD) }
	if _, err := st.ResealAll(check, k.resealUser); err != nil {
		return rep, fmt.Errorf("auth: re-seal: %w", err)
	}
	// The re-sealed values' old copies stay in the pages bbolt freed,
	// readable by whoever holds the old key and a copy of the file. Here,
	// before the rotation ends, so that a resumed rotation does it too.
	if _, err := st.OverwriteFree(); err != nil {
		return rep, fmt.Errorf("auth: overwriting free pages: %w", err)
	}
	o.step(StepResealed)
	if r.prev != nil {
		single := &keyRing{cur: r.cur}
		if err := writeKeyFile(k.file, formatRing(single)); err != nil {
			return rep, err
		}
		k.ring.Store(single)
	}
	o.step(StepOldKeyGone)
	final, err := st.KeyRotation()
	if err != nil || final == nil {
		return rep, fmt.Errorf("auth: key rotation record vanished: %v", err)
	}
	rep.Resealed, rep.Batches = final.Resealed, final.Batches
	rec := o.record(now(), audit.ActionKeyRotate, map[string]string{
		"from_key": rot.From, "to_key": rot.To, "key_file": k.file,
		"resealed": strconv.Itoa(final.Resealed), "batches": strconv.Itoa(final.Batches),
		"started": final.Started.UTC().Format(time.RFC3339),
	})
	if err := st.EndKeyRotation(rec); err != nil {
		return rep, fmt.Errorf("auth: %w", err)
	}
	o.step(StepRotateEnded)
	return rep, nil
}

// resealUser re-seals u's TOTP secret and pending enrolment under the
// current key. A pending enrolment that no key of the ring opens is
// useless already (its confirmation would fail) and is dropped; a TOTP
// secret that none opens stops the rotation.
func (k *Key) resealUser(u *storage.User) (int, error) {
	n := 0
	out, changed, err := k.Reseal(u.TOTPSecret, totpAD(u.Name))
	if err != nil {
		return 0, fmt.Errorf("TOTP secret: %w", err)
	}
	if changed {
		u.TOTPSecret = out
		n++
	}
	out, changed, err = k.Reseal(u.PendingTOTP, totpAD(u.Name))
	switch {
	case err != nil:
		u.PendingTOTP, u.PendingTOTPExpires = nil, time.Time{}
		n++
	case changed:
		u.PendingTOTP = out
		n++
	}
	return n, nil
}

func (o RotateOptions) step(s string) {
	if o.Step != nil {
		o.Step(s)
	}
}

func (o RotateOptions) record(at time.Time, action string, details map[string]string) audit.Record {
	actor := o.Actor
	if actor == "" {
		actor = SystemActor
	}
	return newRecord(at, actor, o.IP, action, "secret key", audit.Success, details)
}

func hexID(m *keyMaterial) string {
	if m == nil {
		return ""
	}
	return fmt.Sprintf("%x", m.id[:])
}

// where names the key's source for a message.
func (k *Key) where() string {
	if k.file == "" {
		return "$" + EnvSecretKey
	}
	return k.file
}

package app

import (
	"fmt"

	"github.com/ward-monitoring/ward/compliance/evidencepack"
)

// packKeys returns the key a pack made now is signed under, and every
// key a pack may be checked under: the pack key of each audit key epoch
// the current secret key opens (storage.State.AuditEpochKeys), the open
// epoch's first, then the pack key of packs signed before packs were
// keyed per epoch (evidencepack.KeyPurpose under each key of the ring).
// Both are read at each call from the key ring, which a live `ward key
// rotate` swaps in place, so a pack made after a rotation is signed under
// the new epoch, and one made before still verifies.
func (e *evidencePacks) packKeys() (sign []byte, all [][]byte, err error) {
	epochs, err := e.state.AuditEpochKeys(e.key)
	if err != nil {
		return nil, nil, fmt.Errorf("evidence pack keys: %w", err)
	}
	if len(epochs) == 0 {
		return nil, nil, fmt.Errorf("evidence pack keys: no audit key epoch opens")
	}
	for i := len(epochs) - 1; i >= 0; i-- {
		k, err := evidencepack.PackKey(epochs[i])
		if err != nil {
			return nil, nil, err
		}
		all = append(all, k)
	}
	legacy, err := e.key.DeriveAll(evidencepack.KeyPurpose)
	if err != nil {
		return nil, nil, err
	}
	return all[0], append(all, legacy...), nil
}

// VerifyEvidencePackOffline checks the pack at path while no ward runs:
// it opens the state database read-only and the secret key as `ward audit
// verify` does (app.OpenOfflineReadOnly), changing nothing, and checks
// the pack under every audit key epoch's pack key. It says where the key
// came from.
func VerifyEvidencePackOffline(cfgFile, path string) (evidencepack.Report, string, error) {
	o, err := OpenOfflineReadOnly(cfgFile)
	if err != nil {
		return evidencepack.Report{}, "", err
	}
	defer o.Close()
	packs := &evidencePacks{state: o.State, key: o.Key, instance: o.Config.Server.ExternalURL}
	_, keys, err := packs.packKeys()
	if err != nil {
		return evidencepack.Report{}, o.KeyFrom, err
	}
	rep, err := VerifyEvidencePackFile(path, keys)
	return rep, o.KeyFrom, err
}

package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
)

// SelfRestoreLedger is what a self-restore did with the erasure ledger,
// so that people erased after the snapshot was taken stay erased: ward
// re-applies at start every erasure its ledger holds and its database
// does not (storage.ReapplyErasures).
type SelfRestoreLedger struct {
	// Current is the ledger of the ward being restored (privacy.erasure_ledger
	// of --config, or its storage.path's erasures.ledger); Found says it
	// was there to read. When it was not, erasures made after the
	// snapshot are not known and will not be re-applied: Warning says so.
	Current string `json:"current"`
	Found   bool   `json:"found"`
	Warning string `json:"warning,omitempty"`
	// Restored is the restored directory's ledger: the snapshot's copy
	// with the current ledger's entries it lacked (Merged) appended.
	Restored string `json:"restored"`
	Merged   int    `json:"merged"`
	// Entries is how many erasures the restored ledger holds; Reapply how
	// many of them the restored database does not know, which ward
	// re-applies when it starts on the directory.
	Entries int `json:"entries"`
	Reapply int `json:"reapply"`
}

// currentLedger reads the ledger of the ward cfg describes, before the
// restore puts anything into dataDir: its entries, or a warning saying
// why there are none.
func currentLedger(cfg *config.Config, dataDir string) (SelfRestoreLedger, []storage.ErasureEntry, error) {
	out := SelfRestoreLedger{Current: cfg.LedgerPath(), Restored: filepath.Join(dataDir, backups.SelfLedgerName)}
	if rel, err := filepath.Rel(dataDir, out.Current); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		out.Warning = fmt.Sprintf("the erasure ledger of --config (%s) is inside the restore target, so it is not the current one", out.Current)
		return out, nil, nil
	}
	if _, err := os.Stat(out.Current); errors.Is(err, fs.ErrNotExist) {
		out.Warning = fmt.Sprintf("no erasure ledger at %s", out.Current)
		return out, nil, nil
	} else if err != nil {
		return out, nil, fmt.Errorf("erasure ledger: %w", err)
	}
	entries, err := storage.NewLedger(out.Current).Entries()
	if err != nil {
		return out, nil, err
	}
	out.Found = true
	return out, entries, nil
}

// mergeLedger appends to the restored ledger the current entries it
// lacks, and counts what ward will re-apply at start on st.
func mergeLedger(out *SelfRestoreLedger, current []storage.ErasureEntry, st *storage.State) error {
	restored := storage.NewLedger(out.Restored)
	have, err := restored.Entries()
	if err != nil {
		return err
	}
	ids := map[string]bool{}
	for _, e := range have {
		ids[e.ID] = true
	}
	// Oldest first, as the ledger is written.
	current = slices.Clone(current)
	slices.SortStableFunc(current, func(a, b storage.ErasureEntry) int { return strings.Compare(a.ID, b.ID) })
	for _, e := range current {
		if ids[e.ID] {
			continue
		}
		if err := restored.Append(e); err != nil {
			return err
		}
		ids[e.ID] = true
		out.Merged++
	}
	known, err := st.Erasures()
	if err != nil {
		return err
	}
	out.Entries = len(ids)
	out.Reapply = len(ids)
	for _, e := range known {
		if ids[e.ID] {
			out.Reapply--
		}
	}
	return nil
}

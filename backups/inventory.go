package backups

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/ward-monitoring/ward/config"
)

// maxInfoOutput bounds the `pgbackrest info` output read (a repository
// with years of backups is a few MB).
const maxInfoOutput = 16 << 20

// infoJSON is the part of `pgbackrest info --output=json` (2.45) ward
// reads. system-id exceeds 2^53, so it is decoded as an integer.
type infoJSON struct {
	Name   string `json:"name"`
	Status struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"status"`
	DB []struct {
		ID       int    `json:"id"`
		SystemID uint64 `json:"system-id"`
		Version  string `json:"version"`
	} `json:"db"`
	Archive []struct {
		ID       string `json:"id"`
		Min      string `json:"min"`
		Max      string `json:"max"`
		Database struct {
			ID int `json:"id"`
		} `json:"database"`
	} `json:"archive"`
	Backup []struct {
		Label     string  `json:"label"`
		Type      string  `json:"type"`
		Prior     *string `json:"prior"`
		Error     bool    `json:"error"`
		Timestamp struct {
			Start int64 `json:"start"`
			Stop  int64 `json:"stop"`
		} `json:"timestamp"`
		Archive struct {
			Start string `json:"start"`
			Stop  string `json:"stop"`
		} `json:"archive"`
		Info struct {
			Size       int64 `json:"size"`
			Repository struct {
				Size  int64 `json:"size"`
				Delta int64 `json:"delta"`
			} `json:"repository"`
		} `json:"info"`
		Database struct {
			ID int `json:"id"`
		} `json:"database"`
	} `json:"backup"`
}

// walNameRE is a WAL segment name: timeline, log and segment in hex.
var walNameRE = regexp.MustCompile(`^[0-9A-F]{24}$`)

// parseInfo reads stanza's part of `pgbackrest info --output=json`:
// its status, archive range and backups (oldest first), each marked
// Restorable when its WAL range lies inside the archive of its
// database.
func parseInfo(out []byte, stanza string) (StanzaStatus, error) {
	if len(out) > maxInfoOutput {
		return StanzaStatus{}, fmt.Errorf("pgbackrest info: %d bytes, over %d", len(out), maxInfoOutput)
	}
	var all []infoJSON
	if err := json.Unmarshal(out, &all); err != nil {
		return StanzaStatus{}, fmt.Errorf("pgbackrest info: %w", err)
	}
	for _, in := range all {
		if in.Name != stanza {
			continue
		}
		s := StanzaStatus{Name: stanza, Code: in.Status.Code, Message: in.Status.Message, Backups: []Backup{}}
		for _, db := range in.DB {
			s.SystemID = db.SystemID // the newest database is listed last
		}
		for _, a := range in.Archive {
			if s.ArchiveMin == "" || a.Min < s.ArchiveMin {
				s.ArchiveMin = a.Min
			}
			if a.Max > s.ArchiveMax {
				s.ArchiveMax = a.Max
			}
		}
		for _, b := range in.Backup {
			bk := Backup{
				Stanza: stanza, Label: b.Label, Type: b.Type, Error: b.Error,
				Start: time.Unix(b.Timestamp.Start, 0).UTC(), Stop: time.Unix(b.Timestamp.Stop, 0).UTC(),
				Size: b.Info.Size, RepoSize: b.Info.Repository.Delta,
				WALStart: b.Archive.Start, WALStop: b.Archive.Stop,
			}
			if b.Prior != nil {
				bk.Prior = *b.Prior
			}
			if walNameRE.MatchString(bk.WALStart) && walNameRE.MatchString(bk.WALStop) && bk.WALStart <= bk.WALStop {
				for _, a := range in.Archive {
					if a.Database.ID == b.Database.ID && walNameRE.MatchString(a.Min) && walNameRE.MatchString(a.Max) &&
						a.Min <= bk.WALStart && bk.WALStop <= a.Max {
						bk.Restorable = true
					}
				}
			}
			s.Backups = append(s.Backups, bk)
		}
		sort.SliceStable(s.Backups, func(i, j int) bool { return s.Backups[i].Start.Before(s.Backups[j].Start) })
		return s, nil
	}
	return StanzaStatus{}, fmt.Errorf("pgbackrest info: no stanza %q in the output", stanza)
}

// newestBackupSince is the newest backup that started at or after t
// (a second's slack: pgBackRest's times are whole seconds).
func newestBackupSince(bs []Backup, t time.Time) (Backup, bool) {
	for i := len(bs) - 1; i >= 0; i-- {
		if !bs[i].Start.Before(t.Truncate(time.Second).Add(-time.Second)) {
			return bs[i], true
		}
	}
	return Backup{}, false
}

// readInfo runs `pgbackrest info --output=json` for st.
func (m *Manager) readInfo(ctx context.Context, exec Executor, st config.BackupStanza) (StanzaStatus, error) {
	env, secrets, err := childEnv(st.Env, st.EnvFiles)
	if err != nil {
		return StanzaStatus{}, err
	}
	out := &limitedBuffer{max: maxInfoOutput}
	res := exec.Run(ctx, Cmd{
		Argv: []string{m.pgbr, "--config=" + st.Config, "--stanza=" + st.Name, "--output=json", "info"},
		Env:  env, Secrets: secrets, Dir: "/", Timeout: time.Duration(st.Timeout), Stdout: out,
	})
	if res.Err != nil {
		return StanzaStatus{}, fmt.Errorf("%w: %s", res.Err, lastLogLine(res.Log))
	}
	if out.over {
		return StanzaStatus{}, fmt.Errorf("pgbackrest info: output over %d bytes", maxInfoOutput)
	}
	s, err := parseInfo(out.buf.Bytes(), st.Name)
	s.InventoryAt = m.now()
	return s, err
}

// readInventories starts a read of every stanza whose inventory is
// older than inventoryEvery (one at a time per stanza).
func (m *Manager) readInventories(ctx context.Context, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, st := range m.cfg.Stanzas {
		if at, ok := m.invAt[st.Name]; ok && now.Sub(at) < inventoryEvery {
			continue
		}
		m.invAt[st.Name] = now
		st, exec := st, Executor{User: m.cfg.RunAs}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			s, err := m.readInfo(m.base, exec, st)
			if err != nil {
				if m.base.Err() != nil {
					return
				}
				m.log.Warn("backup inventory", "stanza", st.Name, "err", err)
				m.mu.Lock()
				prev := m.inventory[st.Name]
				m.mu.Unlock()
				// Keep the last good list; the status says why it is old.
				prev.Name, prev.Code, prev.Message = st.Name, infoFailed, oneLineError(err)
				s = prev
			}
			m.storeInventory(st.Name, s)
		}()
	}
}

// infoFailed is the status code when pgbackrest info could not be read
// (pgBackRest's own "other" code).
const infoFailed = 99

// storeInventory keeps stanza's inventory and exports it.
func (m *Manager) storeInventory(stanza string, s StanzaStatus) {
	m.mu.Lock()
	if _, ok := stanzaNamed(m.cfg, stanza); !ok {
		m.mu.Unlock()
		return
	}
	m.inventory[stanza] = s
	m.mu.Unlock()
	m.metrics.inventory(s)
}

// stanzaInventory is stanza's newest inventory (for RPO, retention and
// drills).
func (m *Manager) stanzaInventory(stanza string) (StanzaStatus, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.inventory[stanza]
	s.Backups = append([]Backup(nil), s.Backups...)
	return s, ok
}

// limitedBuffer keeps the first max bytes written and notes overflow.
type limitedBuffer struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	n := len(p) // short writes would stop the child's output
	if room := b.max - b.buf.Len(); len(p) > room {
		b.over = true
		p = p[:max(room, 0)]
	}
	b.buf.Write(p)
	return n, nil
}

// lastLogLine is the last non-empty line of a log (pgBackRest prints
// its error last).
func lastLogLine(s string) string {
	lines := bytes.Split(bytes.TrimSpace([]byte(s)), []byte("\n"))
	return string(lines[len(lines)-1])
}

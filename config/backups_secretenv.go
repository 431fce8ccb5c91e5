package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// wardSecretEnv are environment variables ward itself reads secrets
// from, whatever the config says.
var wardSecretEnv = []string{"WARD_SECRET_KEY", "WARD_SECRET_KEY_FILE", "WARD_TOKEN"}

// secretEnvNames maps each environment variable the config names for a
// secret (every *_env key: token_env, password_env,
// secret_access_key_env, auth_password_env, ...) to the first key that
// names it, found by walking the whole config so a key added later is
// covered too.
func (c *Config) secretEnvNames() map[string]string {
	out := map[string]string{}
	for _, name := range wardSecretEnv {
		out[name] = "ward's own secret"
	}
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		case reflect.Struct:
			t := v.Type()
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				if !f.IsExported() {
					continue
				}
				key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				p := path
				if key == "-" {
					// Decoded by hand from the parent's keys (a
					// check's Spec): its keys sit at the parent's path.
					key = ""
				}
				if key != "" {
					p = strings.TrimPrefix(path+"."+key, ".")
				}
				fv := v.Field(i)
				if fv.Kind() == reflect.String && strings.HasSuffix(key, "_env") {
					if name := fv.String(); name != "" && out[name] == "" {
						out[name] = p
					}
					continue
				}
				walk(fv, p)
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
		case reflect.Map:
			keys := v.MapKeys()
			sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
			for _, k := range keys {
				walk(v.MapIndex(k), fmt.Sprintf("%s.%v", path, k))
			}
		}
	}
	walk(reflect.ValueOf(c).Elem(), "")
	return out
}

// backupSecretEnv refuses an env allowlist entry that is one of the
// environment variables ward reads a secret from: the child would get
// another check's password, another watched job's ping token or ward's
// own key (attack A8). env_files names are not refused: their value
// comes from the file, not from ward's environment.
func (c *Config) backupSecretEnv(v *pathValidator) {
	secrets := c.secretEnvNames()
	list := func(p string, env []string) {
		for i, name := range env {
			if from := secrets[name]; from != "" {
				v.add(fmt.Sprintf("%s.env[%d]", p, i), "%q holds a secret ward reads (%s): not passed to a child", name, from)
			}
		}
	}
	for i, s := range c.Backups.Stanzas {
		list(fmt.Sprintf("stanzas[%d]", i), s.Env)
	}
	for i, j := range c.Backups.Jobs {
		list(fmt.Sprintf("jobs[%d]", i), j.Env)
	}
}

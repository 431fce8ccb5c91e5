package storage

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/events"
)

// Where the database names a person outside the audit trail, field by
// field. Erasure deletes what is theirs (profile, sessions, reset links,
// query history, the API tokens they made: eraseInTx) and, in what
// remains, rewrites only these fields:
//
//	backup_runs              "by" (who started the run): exact
//	compliance_attestations  "by" (who attested): exact
//	compliance_evidence      a name in a detail's list of accounts
//	                         ("Without 2FA: NAME (role), ..."): list items only
//	events                   subject and person labels: exact or "user:NAME";
//	                         the text of an event so matched, word by word;
//	                         an email in any event's text
//	limit_stats              an entry's key "user:NAME"
//
// Nothing else is compared with the name. A user name can be a common
// word ("admin", "viewer", "success"): a whole-word search through every
// value would rewrite other people's roles and outcomes. An email holds
// an "@" and names nobody else, so it is replaced wherever it stands in
// free text. The GDPR export returns the events these rules match, so
// export and erasure agree on what names the person.

// erasee is the person being exported or erased.
type erasee struct {
	// names are their user name (first) and email.
	names []string
	// to maps each name to its pseudonym; nil when only matching.
	to map[string]string
}

func newErasee(key []byte, names []string) erasee {
	e := erasee{names: names}
	if key != nil {
		e.to = make(map[string]string, len(names))
		for _, n := range names {
			e.to[n] = audit.Pseudonym(key, n)
		}
	}
	return e
}

// field returns what replaces the field value v when v holds the person
// (their name or email, or "user:" and one), and whether it does.
func (e erasee) field(v string) (string, bool) {
	for _, n := range e.names {
		switch {
		case n == "":
		case v == n:
			return e.to[n], true
		case v == "user:"+n:
			return "user:" + e.to[n], true
		}
	}
	return v, false
}

// emails are the names that are email addresses, with their pseudonyms.
func (e erasee) emails() map[string]string {
	out := map[string]string{}
	for _, n := range e.names {
		if strings.Contains(n, "@") {
			out[n] = e.to[n]
		}
	}
	return out
}

// needles are the forms a name takes in stored bytes: as typed, escaped
// in a JSON string (json.Marshal writes & < > as \u0026...), and escaped
// in a URL query (an export's filters). A value holding none of them
// cannot name the person, so it need not be decoded.
func (e erasee) needles() [][]byte {
	var out [][]byte
	add := func(s string) {
		for _, have := range out {
			if string(have) == s {
				return
			}
		}
		out = append(out, []byte(s))
	}
	for _, n := range e.names {
		if n == "" {
			continue
		}
		add(n)
		js, _ := json.Marshal(n)
		add(string(js[1 : len(js)-1]))
		add(url.QueryEscape(n))
	}
	return out
}

func containsAny(v []byte, needles [][]byte) bool {
	for _, n := range needles {
		if bytes.Contains(v, n) {
			return true
		}
	}
	return false
}

// eventPersonLabels are the event labels whose values name a user.
var eventPersonLabels = []string{"user", "actor", "by", "principal"}

// aboutPerson reports whether ev is about the person: its subject or a
// person label holds them.
func (e erasee) aboutPerson(ev events.Event) bool {
	if _, ok := e.field(ev.Subject); ok {
		return true
	}
	for _, l := range eventPersonLabels {
		if _, ok := e.field(ev.Labels[l]); ok {
			return true
		}
	}
	return false
}

// eventNames reports whether ev names the person: about them, or their
// email in its text.
func (e erasee) eventNames(ev events.Event) bool {
	if e.aboutPerson(ev) {
		return true
	}
	for _, n := range e.names {
		if strings.Contains(n, "@") && audit.MentionsText(ev.Text, n) {
			return true
		}
	}
	return false
}

// eraseEvent returns ev with the person replaced (see the table above).
func (e erasee) eraseEvent(ev events.Event) events.Event {
	if e.aboutPerson(ev) {
		ev.Subject, _ = e.field(ev.Subject)
		for _, l := range eventPersonLabels {
			if v, ok := e.field(ev.Labels[l]); ok {
				ev.Labels[l] = v
			}
		}
		ev.Text = audit.ReplaceWords(ev.Text, e.to)
		return ev
	}
	ev.Text = audit.ReplaceWords(ev.Text, e.emails())
	return ev
}

// rewriteOthers replaces the person by their pseudonym in the fields
// listed above, and returns how many stored values changed.
func rewriteOthers(tx *bbolt.Tx, e erasee) (int, error) {
	needles := e.needles()
	total := 0
	steps := []struct {
		bucket []byte
		fn     func(v []byte) ([]byte, error)
	}{
		{bucketBackupRuns, jsonField("by", e)},
		{bucketAttestations, jsonField("by", e)},
		{bucketEvidence, evidenceDetail(e)},
		{bucketEvents, func(v []byte) ([]byte, error) {
			var ev events.Event
			if err := json.Unmarshal(v, &ev); err != nil {
				return nil, err
			}
			if !e.eventNames(ev) {
				return v, nil
			}
			return json.Marshal(e.eraseEvent(ev))
		}},
		{bucketLimitStats, func(v []byte) ([]byte, error) {
			var cs []LimitCount
			if err := json.Unmarshal(v, &cs); err != nil {
				return nil, err
			}
			for i := range cs {
				cs[i].Key, _ = e.field(cs[i].Key)
			}
			return json.Marshal(cs)
		}},
	}
	for _, st := range steps {
		n, err := rewriteValues(tx.Bucket(st.bucket), needles, st.fn)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// rewriteValues applies fn to each value of b that holds a needle and
// stores what changed.
func rewriteValues(b *bbolt.Bucket, needles [][]byte, fn func(v []byte) ([]byte, error)) (int, error) {
	type put struct{ k, v []byte }
	var puts []put
	err := b.ForEach(func(k, v []byte) error {
		if v == nil || !containsAny(v, needles) {
			return nil
		}
		nv, err := fn(v)
		if err != nil {
			return err
		}
		if !bytes.Equal(nv, v) {
			puts = append(puts, put{bytes.Clone(k), nv})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, p := range puts {
		if err := b.Put(p.k, p.v); err != nil {
			return 0, err
		}
	}
	return len(puts), nil
}

// jsonField rewrites the string field name of a JSON object when it
// holds the person; the object's other fields are kept as they are.
func jsonField(name string, e erasee) func(v []byte) ([]byte, error) {
	return func(v []byte) ([]byte, error) {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(v, &doc); err != nil {
			return nil, err
		}
		var s string
		if raw, ok := doc[name]; !ok || json.Unmarshal(raw, &s) != nil {
			return v, nil
		}
		ns, ok := e.field(s)
		if !ok {
			return v, nil
		}
		doc[name], _ = json.Marshal(ns)
		return json.Marshal(doc)
	}
}

// evidenceDetail rewrites the person in an evidence record's detail,
// where the compliance checks list accounts ("Without 2FA: ann (admin),
// bob (viewer).", "TOTP secrets of ann, bob are not sealed").
func evidenceDetail(e erasee) func(v []byte) ([]byte, error) {
	return func(v []byte) ([]byte, error) {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(v, &doc); err != nil {
			return nil, err
		}
		var s string
		if raw, ok := doc["detail"]; !ok || json.Unmarshal(raw, &s) != nil {
			return v, nil
		}
		ns := replaceListItems(s, e.to)
		if ns == s {
			return v, nil
		}
		doc["detail"], _ = json.Marshal(ns)
		return json.Marshal(doc)
	}
}

// List items in compliance details: what stands right before a name in
// a list, and what right after it.
var (
	listBefore = []string{": ", ", ", " of "}
	listAfter  = []string{" (", ", ", " and ", ". ", " are "}
)

// replaceListItems replaces each name of to where it stands as an item
// of a list (see listBefore and listAfter), never elsewhere in the text.
func replaceListItems(v string, to map[string]string) string {
	for n, p := range to {
		if n == "" {
			continue
		}
		var b strings.Builder
		off := 0
		for {
			i := strings.Index(v[off:], n)
			if i < 0 {
				break
			}
			i += off
			end := i + len(n)
			if listItem(v[:i], v[end:]) {
				b.WriteString(v[off:i])
				b.WriteString(p)
			} else {
				b.WriteString(v[off:end])
			}
			off = end
		}
		b.WriteString(v[off:])
		v = b.String()
	}
	return v
}

func listItem(before, after string) bool {
	okBefore, okAfter := false, after == "" || after == "."
	for _, s := range listBefore {
		okBefore = okBefore || strings.HasSuffix(before, s)
	}
	for _, s := range listAfter {
		okAfter = okAfter || strings.HasPrefix(after, s)
	}
	return okBefore && okAfter
}

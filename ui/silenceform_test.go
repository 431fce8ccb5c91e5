package ui

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/errkind"
)

func TestParseAlertsQuery(t *testing.T) {
	long := "{a=\"" + strings.Repeat("x", maxFilterBytes) + "\"}"
	many := make([]string, 0, maxFilterMatchers+1)
	for i := range maxFilterMatchers + 1 {
		many = append(many, "l"+string(rune('a'+i%26))+"=\"v\"")
	}
	cases := []struct {
		name     string
		query    string
		matchers string // Matchers.String() of the result
		state    string
		err      string // part of the client message; "" for success
	}{
		{name: "notification link", query: url.Values{"filter": {`{alertname="TargetDown",severity="critical"}`}}.Encode(),
			matchers: `{alertname="TargetDown",severity="critical"}`},
		{name: "no braces", query: "filter=" + url.QueryEscape(`job=~"node|app", instance!="x"`), matchers: `{job=~"node|app",instance!="x"}`},
		{name: "several values add up", query: "filter=a%3D1&filter=b%21~%222%22", matchers: `{a="1",b!~"2"}`},
		{name: "empty", query: "", matchers: "{}"},
		{name: "state", query: "state=silenced", matchers: "{}", state: "silenced"},
		{name: "all is every state", query: "state=all", matchers: "{}"},
		{name: "bad state", query: "state=resolved", err: "state:"},
		{name: "bad matcher", query: "filter=" + url.QueryEscape(`{alertname=~"("}`), err: "filter:"},
		{name: "unterminated", query: "filter=" + url.QueryEscape(`{alertname="x`), err: "filter:"},
		{name: "too long", query: url.Values{"filter": {long}}.Encode(), err: "longer than 2048 bytes"},
		{name: "too many matchers", query: url.Values{"filter": {strings.Join(many, ",")}}.Encode(), err: "more than 32 matchers"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, _ := url.ParseQuery(c.query)
			got, err := parseAlertsQuery(q)
			if c.err != "" {
				kind, msg := errkind.Of(err)
				if err == nil || kind != errkind.Malformed || !strings.Contains(msg, c.err) {
					t.Fatalf("err = %v (%v, %q), want a Malformed error containing %q", err, kind, msg, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := got.Matchers.String(); s != c.matchers {
				t.Errorf("matchers = %s, want %s", s, c.matchers)
			}
			if got.State != c.state {
				t.Errorf("state = %q, want %q", got.State, c.state)
			}
		})
	}
}

// The matchers the alerts page pre-fills select exactly the alert.
func TestLabelsMatcherTextRoundTrips(t *testing.T) {
	ls := map[string]string{"alertname": "X", "instance": `db "1":9100`, "path": `a\b`}
	text := labelsMatcherText(modelLabels(ls))
	ms, err := parseMatchers("matchers", text)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	if len(ms) != len(ls) {
		t.Fatalf("%s parsed to %d matchers, want %d", text, len(ms), len(ls))
	}
	for _, m := range ms {
		if m.Type != labels.MatchEqual || m.Value != ls[m.Name] {
			t.Errorf("matcher %s, want %s=%q", m, m.Name, ls[m.Name])
		}
	}
}

func TestDecodeSilenceForm(t *testing.T) {
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	ok := []string{"matchers", `{alertname="TargetDown",instance="db:9100"}`, "duration", "2h", "comment", "maintenance"}
	with := func(k, v string) url.Values {
		f := form(ok...)
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	cases := []struct {
		name string
		form url.Values
		end  time.Time
		err  string
	}{
		{name: "duration", form: form(ok...), end: now.Add(2 * time.Hour)},
		{name: "days", form: with("duration", "1d12h"), end: now.Add(36 * time.Hour)},
		{name: "end time", form: func() url.Values { f := with("duration", ""); f.Set("ends", "2026-12-05T09:30"); return f }(),
			end: time.Date(2026, 12, 5, 9, 30, 0, 0, time.UTC)},
		{name: "both", form: func() url.Values { f := form(ok...); f.Set("ends", "2026-12-05T09:30"); return f }(), err: "duration: give a duration or an end time, not both"},
		{name: "neither", form: with("duration", ""), err: "duration: give"},
		{name: "bad duration", form: with("duration", "2 hours"), err: "duration: want"},
		{name: "zero duration", form: with("duration", "0s"), err: "duration: want"},
		{name: "too long", form: with("duration", "32d"), err: "duration: at most 31d"},
		{name: "end in the past", form: func() url.Values { f := with("duration", ""); f.Set("ends", "2026-12-03T09:30"); return f }(), err: "ends: must be in the future"},
		{name: "end too far", form: func() url.Values { f := with("duration", ""); f.Set("ends", "2027-02-03T09:30"); return f }(), err: "ends: at most"},
		{name: "bad end", form: func() url.Values { f := with("duration", ""); f.Set("ends", "tomorrow"); return f }(), err: "ends: want"},
		{name: "no comment", form: with("comment", ""), err: "comment: required"},
		{name: "blank comment", form: with("comment", "   "), err: "comment: required"},
		{name: "long comment", form: with("comment", strings.Repeat("x", maxSilenceComment+1)), err: "comment: longer than 1024"},
		{name: "no matchers", form: with("matchers", ""), err: "matchers: required"},
		{name: "matches everything", form: with("matchers", `{alertname=~".*"}`), err: "matchers: at least one must not match the empty string"},
		{name: "bad matchers", form: with("matchers", `{alertname=~"["}`), err: "matchers:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := decodeSilenceForm(c.form, now)
			if c.err != "" {
				kind, msg := errkind.Of(err)
				if err == nil || kind != errkind.Malformed || !strings.Contains(msg, c.err) {
					t.Fatalf("err = %v (%q), want a Malformed error containing %q", err, msg, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !f.EndsAt.Equal(c.end) {
				t.Errorf("ends at %s, want %s", f.EndsAt, c.end)
			}
			// What the form makes, Alertmanager's model accepts.
			sil := f.postable("", now)
			author := "ops" // storeSilence sets the author
			sil.CreatedBy = &author
			if err := sil.Validate(strfmt.Default); err != nil {
				t.Errorf("postable silence invalid: %v", err)
			}
			if got := matchersString(sil.Matchers); got != `{alertname="TargetDown",instance="db:9100"}` {
				t.Errorf("matchers = %s", got)
			}
		})
	}
}

// FuzzDecodeSilenceForm checks that no form post makes the decoder
// panic, and that whatever it accepts is a silence Alertmanager's model
// accepts, within ward's limits.
func FuzzDecodeSilenceForm(f *testing.F) {
	f.Add(`{alertname="X"}`, "2h", "", "why")
	f.Add(`a=~"b|c",d!="e"`, "", "2026-12-05T09:30", "c")
	f.Add(`{a=""}`, "1d", "", "")
	f.Add(`{a="\u00e9\"}`, "-1h", "x", "\xff")
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, matchers, duration, ends, comment string) {
		form := url.Values{"matchers": {matchers}, "duration": {duration}, "ends": {ends}, "comment": {comment}}
		sf, err := decodeSilenceForm(form, now)
		if err != nil {
			if kind, msg := errkind.Of(err); kind != errkind.Malformed || msg == "" {
				t.Fatalf("error %v is not a Malformed error with a message", err)
			}
			return
		}
		if len(sf.Matchers) == 0 || len(sf.Matchers) > maxFilterMatchers {
			t.Fatalf("%d matchers accepted", len(sf.Matchers))
		}
		if !sf.EndsAt.After(now) || sf.EndsAt.Sub(now) > maxSilenceDuration {
			t.Fatalf("end %s accepted", sf.EndsAt)
		}
		if sf.Comment == "" || len(sf.Comment) > maxSilenceComment {
			t.Fatalf("comment of %d bytes accepted", len(sf.Comment))
		}
		sil, author := sf.postable("", now), "ops"
		sil.CreatedBy = &author
		if err := sil.Validate(strfmt.Default); err != nil {
			t.Fatalf("accepted a silence Alertmanager's model refuses: %v", err)
		}
	})
}

func modelLabels(m map[string]string) model.LabelSet {
	ls := model.LabelSet{}
	for k, v := range m {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls
}

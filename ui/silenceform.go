package ui

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-openapi/strfmt"
	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"
)

// Bounds of a silence made in the console.
const (
	// maxSilenceComment bounds the comment: a reason and a ticket link.
	maxSilenceComment = 1024
	// maxSilenceDuration bounds how long a silence may run: a silence
	// forgotten for longer hides real outages. Extend it if need be.
	maxSilenceDuration = 31 * 24 * time.Hour
	// silenceEndLayout is the end time's form: an <input
	// type="datetime-local"> value, read as UTC.
	silenceEndLayout = "2006-01-02T15:04"
)

// silenceForm is a silence form as posted (or given to preview): the
// fields as written, to show again, and what they decode to.
type silenceForm struct {
	MatchersText string
	Duration     string // "2h", "1d12h": from now
	Ends         string // or an end time, UTC
	Comment      string

	Matchers labels.Matchers
	EndsAt   time.Time
}

// decodeSilenceForm reads a silence form: matchers (the filter syntax,
// at least one that does not match the empty string, as Alertmanager
// requires), a duration or an end time (not both, within
// maxSilenceDuration of now) and a comment. Errors name their field.
// The silence starts now.
func decodeSilenceForm(form url.Values, now time.Time) (silenceForm, error) {
	f := silenceForm{
		MatchersText: strings.TrimSpace(form.Get("matchers")),
		Duration:     strings.TrimSpace(form.Get("duration")),
		Ends:         strings.TrimSpace(form.Get("ends")),
		Comment:      strings.TrimSpace(form.Get("comment")),
	}
	var err error
	if f.Matchers, err = decodeSilenceMatchers(f.MatchersText); err != nil {
		return f, err
	}
	if f.EndsAt, err = decodeSilenceEnd(f.Duration, f.Ends, now); err != nil {
		return f, err
	}
	switch {
	case f.Comment == "":
		return f, badRequest("comment: required; say why and for whom")
	case !utf8.ValidString(f.Comment):
		return f, badRequest("comment: not valid UTF-8")
	case len(f.Comment) > maxSilenceComment:
		return f, badRequest(fmt.Sprintf("comment: longer than %d bytes", maxSilenceComment))
	}
	return f, nil
}

// decodeSilenceMatchers reads the matchers of a silence.
func decodeSilenceMatchers(text string) (labels.Matchers, error) {
	ms, err := parseMatchers("matchers", text)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, badRequest(`matchers: required, e.g. {alertname="TargetDown",instance="db1:9100"}`)
	}
	for _, m := range ms {
		// pkg/labels parses classic names only; say so if that changes.
		if !model.LegacyValidation.IsValidLabelName(m.Name) {
			return nil, badRequest(fmt.Sprintf("matchers: %q is not a valid label name", m.Name))
		}
		if !m.Matches("") {
			return ms, nil
		}
	}
	return nil, badRequest("matchers: at least one must not match the empty string, or the silence would mute every alert")
}

// decodeSilenceEnd reads a duration from now or an end time in UTC.
func decodeSilenceEnd(duration, ends string, now time.Time) (time.Time, error) {
	var end time.Time
	switch {
	case duration != "" && ends != "":
		return end, badRequest("duration: give a duration or an end time, not both")
	case duration != "":
		d, err := model.ParseDuration(duration)
		if err != nil || d <= 0 {
			return end, badRequest(`duration: want a positive duration such as 30m, 2h or 1d`)
		}
		if time.Duration(d) > maxSilenceDuration {
			return end, badRequest(fmt.Sprintf("duration: at most %s", model.Duration(maxSilenceDuration)))
		}
		end = now.Add(time.Duration(d))
	case ends != "":
		t, err := time.ParseInLocation(silenceEndLayout, ends, time.UTC)
		if err != nil {
			return end, badRequest("ends: want a UTC time as YYYY-MM-DDTHH:MM")
		}
		if !t.After(now) {
			return end, badRequest("ends: must be in the future")
		}
		if t.Sub(now) > maxSilenceDuration {
			return end, badRequest(fmt.Sprintf("ends: at most %s from now", model.Duration(maxSilenceDuration)))
		}
		end = t
	default:
		return end, badRequest("duration: give a duration (e.g. 2h) or an end time")
	}
	return end, nil
}

// postable is the silence f describes, in Alertmanager's API model,
// starting at start; id is set to update a silence. createdBy is left
// for storeSilence to set.
func (f silenceForm) postable(id string, start time.Time) *models.PostableSilence {
	ms := make(models.Matchers, 0, len(f.Matchers))
	for _, m := range f.Matchers {
		name, value := m.Name, m.Value
		isRegex := m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp
		isEqual := m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp
		ms = append(ms, &models.Matcher{Name: &name, Value: &value, IsRegex: &isRegex, IsEqual: &isEqual})
	}
	comment := f.Comment
	startsAt, endsAt := strfmt.DateTime(start), strfmt.DateTime(f.EndsAt)
	return &models.PostableSilence{
		ID: id,
		Silence: models.Silence{
			Matchers: ms, Comment: &comment, StartsAt: &startsAt, EndsAt: &endsAt,
		},
	}
}

// shortID is the first block of a silence's UUID, enough to tell
// silences apart on a page.
func shortID(id string) string {
	if i := strings.IndexByte(id, '-'); i > 0 {
		return id[:i]
	}
	return id
}

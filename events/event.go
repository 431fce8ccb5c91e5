// Package events owns ward's timeline of what happened: alerts firing and
// resolving, notifications delivered, failed or handed to a fallback,
// checks and targets changing state and configuration reloads. It holds
// the Event type and its limits, the Log that records, queries and prunes
// events (kept in the state database, package storage), the Watcher that
// turns snapshots of the running ward into events, and the JSON and CSV
// exports. It knows nothing of the parts it watches: app adapts them.
package events

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Kind says what happened.
type Kind string

// Kinds of event. Stored as text: new ones may be added, never renamed.
const (
	AlertFiring           Kind = "alert_firing"
	AlertResolved         Kind = "alert_resolved"
	NotificationDelivered Kind = "notification_delivered"
	NotificationFailed    Kind = "notification_failed"
	NotificationFallback  Kind = "notification_fallback"
	CheckChanged          Kind = "check_changed"
	TargetDown            Kind = "target_down"
	TargetUp              Kind = "target_up"
	ConfigReloadOK        Kind = "config_reload_ok"
	ConfigReloadFailed    Kind = "config_reload_failed"
	// RateLimited: requests refused by a rate limit (issue 13), sampled.
	RateLimited Kind = "rate_limited"
)

// Kinds lists every kind, in the order the events page offers them.
var Kinds = []Kind{
	AlertFiring, AlertResolved,
	NotificationDelivered, NotificationFailed, NotificationFallback,
	CheckChanged, TargetDown, TargetUp,
	ConfigReloadOK, ConfigReloadFailed,
	RateLimited, // issue 13
}

// Known reports whether k is one of Kinds.
func (k Kind) Known() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Severity says how much an event matters: ok for a recovery or a
// success, then info, warning and critical.
type Severity string

// Severities.
const (
	SeverityOK       Severity = "ok"
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

// SeverityOf maps an alert's severity label to a Severity; anything but
// critical and warning is info.
func SeverityOf(label string) Severity {
	switch strings.ToLower(label) {
	case "critical", "page", "error":
		return SeverityCritical
	case "warning", "warn":
		return SeverityWarning
	}
	return SeverityInfo
}

// Limits of one event. Everything an event holds comes from outside
// (alert labels, error texts of remote services), so each is bounded.
const (
	MaxSubject    = 256
	MaxText       = 1024
	MaxLabels     = 8
	MaxLabelName  = 64
	MaxLabelValue = 256
)

// Event is one thing that happened.
type Event struct {
	// ID names the event in storage order; the store sets it. Pages
	// continue from an ID (Query.Before).
	ID       string    `json:"id,omitempty"`
	Time     time.Time `json:"time"`
	Kind     Kind      `json:"kind"`
	Severity Severity  `json:"severity"`
	// Subject is what the event is about: an alert name, a check, a
	// target, a receiver, the configuration file.
	Subject string `json:"subject"`
	// Text says what happened, in a sentence.
	Text string `json:"text,omitempty"`
	// Labels are a few identifying labels (job, instance, receiver...).
	Labels map[string]string `json:"labels,omitempty"`
}

// Bounded returns e cut to the limits above: texts truncated on a rune
// boundary, labels beyond MaxLabels dropped (in name order, so the same
// event always keeps the same ones).
func (e Event) Bounded() Event {
	e.Subject = truncate(e.Subject, MaxSubject)
	e.Text = truncate(e.Text, MaxText)
	if len(e.Labels) > 0 {
		out := make(map[string]string, min(len(e.Labels), MaxLabels))
		for _, k := range sortedKeys(e.Labels) {
			if len(out) == MaxLabels {
				break
			}
			out[truncate(k, MaxLabelName)] = truncate(e.Labels[k], MaxLabelValue)
		}
		e.Labels = out
	}
	return e
}

// truncate cuts s to at most n bytes without splitting a rune, marking
// the cut with an ellipsis.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n-len("…")]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

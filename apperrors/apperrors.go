// Package apperrors is ward's error tracking (issue 16): it takes the
// events a project's Sentry SDK sends (package apperrors/envelope parses
// them), scrubs them, groups them into issues, keeps a sample of their
// payloads under the data directory and an index of them in the state
// database, and counts them into metrics and alerts.
package apperrors

import (
	"encoding/json"
	"errors"
	"time"
)

// Status is an issue's triage state.
type Status string

// An issue is unresolved until someone resolves or ignores it; a
// resolved issue that happens again is unresolved again (a regression).
const (
	StatusUnresolved Status = "unresolved"
	StatusResolved   Status = "resolved"
	StatusIgnored    Status = "ignored"
)

// Errors callers check with errors.Is.
var (
	// ErrNotFound: no such issue, event or project.
	ErrNotFound = errors.New("apperrors: not found")
	// ErrOverloaded: the ingest queue is full; the client should retry
	// after a while (429 with Retry-After), nothing was stored.
	ErrOverloaded = errors.New("apperrors: ingest queue full")
)

// Project is a configured project as the pages show it.
type Project struct {
	ID   string
	Name string
	// DSN is what to paste into the app's sentry_sdk.init(dsn=...),
	// with the project's first key and ward's external URL.
	DSN string
}

// Issue is a group of events that share a fingerprint.
type Issue struct {
	ID      string // stable, URL-safe
	Project string // project ID
	// Title is "ExceptionType: value" or the normalised message;
	// Culprit the top in-app frame ("module in function").
	Title   string
	Culprit string
	Level   string
	// Fingerprint is the grouping key's hash.
	Fingerprint string

	FirstSeen time.Time
	LastSeen  time.Time
	// Count is exact; Samples is how many events are kept.
	Count   int64
	Samples int64
	// Users is the number of distinct users affected.
	Users        int64
	Environments []string
	Releases     []string
	FirstRelease string
	LastRelease  string

	Status Status
	// StatusBy and StatusAt say who set the status last and when.
	StatusBy    string
	StatusAt    time.Time
	Regressions int64
}

// Frame is one stack frame, innermost last as Sentry sends them.
type Frame struct {
	Module   string `json:"module,omitempty"`
	Function string `json:"function,omitempty"`
	Filename string `json:"filename,omitempty"`
	AbsPath  string `json:"abs_path,omitempty"`
	Lineno   int    `json:"lineno,omitempty"`
	InApp    bool   `json:"in_app,omitempty"`
	// ContextLine is the source line; Pre and Post surround it.
	ContextLine string   `json:"context_line,omitempty"`
	PreContext  []string `json:"pre_context,omitempty"`
	PostContext []string `json:"post_context,omitempty"`
}

// Exception is one exception of an event's chain.
type Exception struct {
	Type   string  `json:"type,omitempty"`
	Value  string  `json:"value,omitempty"`
	Module string  `json:"module,omitempty"`
	Frames []Frame `json:"frames,omitempty"`
}

// Breadcrumb is one step the SDK recorded before the event.
type Breadcrumb struct {
	Timestamp time.Time `json:"timestamp,omitzero"`
	Type      string    `json:"type,omitempty"`
	Category  string    `json:"category,omitempty"`
	Level     string    `json:"level,omitempty"`
	Message   string    `json:"message,omitempty"`
	// Data is the breadcrumb's data (an HTTP call's method, URL and
	// status, say), scrubbed, as strings.
	Data map[string]string `json:"data,omitempty"`
}

// Request is the HTTP request the event happened in (after scrubbing).
type Request struct {
	Method      string            `json:"method,omitempty"`
	URL         string            `json:"url,omitempty"`
	QueryString string            `json:"query_string,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	// Cookies are the request's cookies by name; scrubbing keeps the
	// names and filters the values.
	Cookies map[string]string `json:"cookies,omitempty"`
	Data    json.RawMessage   `json:"data,omitempty"`
}

// User is who was affected, as the SDK reports them (after scrubbing).
type User struct {
	ID        string `json:"id,omitempty"`
	Email     string `json:"email,omitempty"`
	Username  string `json:"username,omitempty"`
	IPAddress string `json:"ip_address,omitempty"`
}

// Event is one stored sample, as the issue page shows it.
type Event struct {
	ID        string    `json:"event_id"`
	IssueID   string    `json:"issue_id"`
	Project   string    `json:"project"`
	Received  time.Time `json:"received"`
	Timestamp time.Time `json:"timestamp"`

	Level       string `json:"level,omitempty"`
	Platform    string `json:"platform,omitempty"`
	Environment string `json:"environment,omitempty"`
	Release     string `json:"release,omitempty"`
	ServerName  string `json:"server_name,omitempty"`
	Logger      string `json:"logger,omitempty"`
	Transaction string `json:"transaction,omitempty"`
	Message     string `json:"message,omitempty"`

	Exceptions  []Exception       `json:"exceptions,omitempty"`
	Breadcrumbs []Breadcrumb      `json:"breadcrumbs,omitempty"`
	Request     *Request          `json:"request,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	User        *User             `json:"user,omitempty"`
}

// IssueFilter selects issues for the list; zero values select all.
type IssueFilter struct {
	Project     string
	Environment string
	Release     string
	// Status "" means unresolved.
	Status Status
	// Limit bounds the answer (at most 500); 0 means 100.
	Limit int
}

// Release is a version of a project's app as its events name it.
type Release struct {
	Project   string
	Version   string
	FirstSeen time.Time
	LastSeen  time.Time
}

// Count is the number of events in [Start, Start+step).
type Count struct {
	Start time.Time
	N     int64
}

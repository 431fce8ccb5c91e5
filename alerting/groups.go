package alerting

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/alertmanager/marker"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/alertmanager/silence"
	pb "github.com/prometheus/alertmanager/silence/silencepb"
	"github.com/prometheus/common/model"
)

// GroupView is one aggregation group of the dispatcher, as the console
// shows it: the alerts that one notification to Receiver would carry.
type GroupView struct {
	Labels   model.LabelSet
	Receiver string
	Alerts   []AlertView
}

// Groups returns the dispatcher's groups as Alertmanager's
// /api/v2/alerts/groups does, keeping only the unresolved alerts that
// match every matcher, each marked silenced or inhibited as predicted
// now. At most limit alerts are returned in all (limit <= 0: all);
// total counts the matching alerts of every group, an alert routed to
// two receivers once per group. Groups come by receiver, then labels.
func (m *Manager) Groups(ctx context.Context, matchers []*labels.Matcher, limit int) (groups []GroupView, total int, err error) {
	d := m.dispatcher.Load()
	if d == nil {
		return nil, 0, nil
	}
	mutes := m.mutes.Load()
	filter := func(a *alert.Alert, now time.Time) (alert.AlertStatus, bool) {
		if a.ResolvedAt(now) || !matches(a.Labels, matchers) {
			return alert.AlertStatus{}, false
		}
		var c statusCollector
		if mutes != nil {
			(*mutes)(marker.WithContext(ctx, &c), a.LabelSet())
		}
		return c.Status(a.Fingerprint()), true
	}
	ags, _, err := d.Groups(ctx, func(*dispatch.Route) bool { return true }, filter)
	if err != nil {
		return nil, 0, fmt.Errorf("alerting: groups: %w", err)
	}
	sort.SliceStable(ags, func(i, j int) bool {
		if ags[i].Receiver != ags[j].Receiver {
			return ags[i].Receiver < ags[j].Receiver
		}
		return ags[i].Labels.String() < ags[j].Labels.String()
	})
	for _, ag := range ags {
		g := GroupView{Labels: ag.Labels, Receiver: ag.Receiver}
		for _, a := range ag.Alerts {
			total++
			if limit > 0 && total > limit {
				continue
			}
			st := ag.AlertStatuses[a.Fingerprint()]
			g.Alerts = append(g.Alerts, AlertView{
				Fingerprint: a.Fingerprint().String(), Labels: a.Labels, Annotations: a.Annotations,
				StartsAt: a.StartsAt, EndsAt: a.EndsAt, UpdatedAt: a.UpdatedAt, GeneratorURL: a.GeneratorURL,
				SilencedBy: st.SilencedBy, InhibitedBy: st.InhibitedBy,
			})
		}
		if len(g.Alerts) > 0 {
			sort.Slice(g.Alerts, func(i, j int) bool {
				if !g.Alerts[i].StartsAt.Equal(g.Alerts[j].StartsAt) {
					return g.Alerts[i].StartsAt.Before(g.Alerts[j].StartsAt)
				}
				return g.Alerts[i].Fingerprint < g.Alerts[j].Fingerprint
			})
			groups = append(groups, g)
		}
	}
	return groups, total, nil
}

// SilenceView is one silence as the console shows it.
type SilenceView struct {
	ID        string
	Matchers  labels.Matchers
	StartsAt  time.Time
	EndsAt    time.Time
	UpdatedAt time.Time
	CreatedBy string
	Comment   string
	// State is "active", "pending" or "expired".
	State string
	// OtherSets counts matcher sets beyond the first (Matchers): a
	// silence holding several mutes alerts any of them matches. ward's
	// API and forms make silences of one set.
	OtherSets int
}

// Silences returns the silences held (active, pending, and expired ones
// until the retention drops them), at most limit of each state (limit
// <= 0: all): active first, by end; then pending, by start; then
// expired, most recently ended first. total counts each state's.
func (m *Manager) Silences(ctx context.Context, limit int) (views []SilenceView, total map[string]int, err error) {
	sils, _, err := m.silences.Query(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("alerting: silences: %w", err)
	}
	now := time.Now()
	byState := map[string][]SilenceView{}
	total = map[string]int{}
	for _, s := range sils {
		v := silenceView(s, now)
		total[v.State]++
		byState[v.State] = append(byState[v.State], v)
	}
	order := map[string]func(a, b SilenceView) bool{
		string(silence.SilenceStateActive):  func(a, b SilenceView) bool { return a.EndsAt.Before(b.EndsAt) },
		string(silence.SilenceStatePending): func(a, b SilenceView) bool { return a.StartsAt.Before(b.StartsAt) },
		string(silence.SilenceStateExpired): func(a, b SilenceView) bool { return a.EndsAt.After(b.EndsAt) },
	}
	for _, st := range []silence.SilenceState{silence.SilenceStateActive, silence.SilenceStatePending, silence.SilenceStateExpired} {
		vs := byState[string(st)]
		less := order[string(st)]
		sort.SliceStable(vs, func(i, j int) bool {
			if less(vs[i], vs[j]) != less(vs[j], vs[i]) {
				return less(vs[i], vs[j])
			}
			return vs[i].ID < vs[j].ID
		})
		if limit > 0 && len(vs) > limit {
			vs = vs[:limit]
		}
		views = append(views, vs...)
	}
	return views, total, nil
}

// Silence returns the silence with id, or ok false.
func (m *Manager) Silence(ctx context.Context, id string) (v SilenceView, ok bool) {
	s, err := m.silences.QueryOne(ctx, silence.QIDs(id))
	if err != nil {
		return SilenceView{}, false
	}
	return silenceView(s, time.Now()), true
}

func silenceView(s *pb.Silence, now time.Time) SilenceView {
	v := SilenceView{
		ID: s.Id, CreatedBy: s.CreatedBy, Comment: s.Comment,
		StartsAt: s.StartsAt.AsTime(), EndsAt: s.EndsAt.AsTime(), UpdatedAt: s.UpdatedAt.AsTime(),
		State: string(silence.StateFromProtoAt(s, now)),
	}
	pms := s.Matchers
	if len(s.MatcherSets) > 0 {
		pms, v.OtherSets = s.MatcherSets[0].Matchers, len(s.MatcherSets)-1
	}
	for _, pm := range pms {
		t := map[pb.Matcher_Type]labels.MatchType{
			pb.Matcher_EQUAL: labels.MatchEqual, pb.Matcher_NOT_EQUAL: labels.MatchNotEqual,
			pb.Matcher_REGEXP: labels.MatchRegexp, pb.Matcher_NOT_REGEXP: labels.MatchNotRegexp,
		}[pm.Type]
		if lm, err := labels.NewMatcher(t, pm.Name, pm.Pattern); err == nil {
			v.Matchers = append(v.Matchers, lm)
		}
	}
	return v
}

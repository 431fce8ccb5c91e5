package alerting

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	pb "github.com/prometheus/alertmanager/silence/silencepb"
	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ward-monitoring/ward/audit"
)

// RewriteSilenceAuthors replaces people in the silences held (active,
// pending and expired ones alike) for a GDPR erasure: to maps each of a
// person's names (user name, email) to its pseudonym. A silence whose
// createdBy is one of them gets the pseudonym as its author, and in its
// comment every whole-word occurrence of the names is replaced too. In
// other people's silences only an email (a name holding "@") is replaced
// in the comment: a user name can be a common word ("admin") that other
// people's comments use without meaning the person.
//
// The silences keep their IDs, matchers and times: the new versions go
// in through Silences.Merge, the way a newer copy of a silence from a
// cluster peer replaces the old one (Silences.Set would instead expire
// and replace an expired silence, leaving the old one in place). Silences
// past Alertmanager's retention (120 h after their end) are collected
// first. The silences snapshot is written before RewriteSilenceAuthors
// returns, so the names are gone from <data>/alerting/silences too. It
// returns how many silences changed.
func (m *Manager) RewriteSilenceAuthors(ctx context.Context, to map[string]string) (int, error) {
	if _, err := m.silences.GC(); err != nil {
		return 0, fmt.Errorf("alerting: silences GC: %w", err)
	}
	sils, _, err := m.silences.Query(ctx)
	if err != nil {
		return 0, fmt.Errorf("alerting: silences: %w", err)
	}
	emails := map[string]string{}
	for n, p := range to {
		if strings.Contains(n, "@") {
			emails[n] = p
		}
	}
	now := time.Now().UTC()
	var buf bytes.Buffer
	n := 0
	for _, s := range sils { // clones: Query copies each silence
		by, own := to[s.CreatedBy]
		words := emails
		if own {
			words = to
		}
		comment := audit.ReplaceWords(s.Comment, words)
		if !own && comment == s.Comment {
			continue
		}
		if own {
			s.CreatedBy = by
		}
		s.Comment = comment
		// Merge keeps the newer version by UpdatedAt.
		updated := now
		if prev := s.UpdatedAt.AsTime(); !updated.After(prev) {
			updated = prev.Add(time.Microsecond)
		}
		s.UpdatedAt = timestamppb.New(updated)
		if len(s.MatcherSets) > 0 {
			s.Matchers = s.MatcherSets[0].Matchers // as Alertmanager marshals them
		}
		ms := &pb.MeshSilence{Silence: s, ExpiresAt: timestamppb.New(s.EndsAt.AsTime().Add(retention))}
		if _, err := protodelim.MarshalTo(&buf, ms); err != nil {
			return 0, fmt.Errorf("alerting: silence %s: %w", s.Id, err)
		}
		n++
	}
	if n == 0 {
		return 0, nil
	}
	if err := m.silences.Merge(buf.Bytes()); err != nil {
		return 0, fmt.Errorf("alerting: rewriting silences: %w", err)
	}
	for _, s := range m.snapshots {
		if s.name == "silences" {
			if err := s.saveNow(); err != nil {
				return n, fmt.Errorf("alerting: persisting silences: %w", err)
			}
		}
	}
	return n, nil
}

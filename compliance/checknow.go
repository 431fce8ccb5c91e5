package compliance

import (
	"context"
	"strconv"

	"github.com/ward-monitoring/ward/audit"
)

// CheckNow checks every control now for a person (the "Check now" button
// of /compliance), appends the evidence, and records compliance.check
// with how many controls were checked and how many fail. Presses queue:
// one CheckNow runs at a time (its caller's rate limit bounds how often).
func (s *Service) CheckNow(ctx context.Context, by, ip string) (Summary, error) {
	select {
	case s.checkingAll <- struct{}{}:
		defer func() { <-s.checkingAll }()
	case <-ctx.Done():
		return Summary{}, ctx.Err()
	}
	err := s.Check(ctx)
	var sum Summary
	if err == nil {
		var items []Item
		items, err = s.Checklist(ctx)
		sum = Summarize(items)
	}
	rec := audit.Record{
		Time: s.now().UTC(), Actor: by, ActorIP: ip, Action: audit.ActionComplianceCheck, Target: "all", Outcome: audit.Success,
		Details: map[string]string{"controls": strconv.Itoa(sum.Total), "failing": strconv.Itoa(sum.Failing)},
	}
	if err != nil {
		rec.Outcome, rec.Details = audit.Failure, map[string]string{"error": clip(err.Error(), 256)}
	}
	if aerr := s.store.AppendAudit(rec); aerr != nil && err == nil {
		err = aerr
	}
	return sum, err
}

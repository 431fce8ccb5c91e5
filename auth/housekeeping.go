package auth

import (
	"context"
	"time"
)

// revokedKeep is how long an ended session is kept so that its owner's
// next request can still say why it ended.
const revokedKeep = 24 * time.Hour

// Housekeep deletes sessions that ended more than a day ago.
func (s *Service) Housekeep(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now()
	n, err := s.st.PruneSessions(now, now.Add(-revokedKeep))
	if err == nil && n > 0 {
		s.logger.Debug("ended sessions pruned", "count", n)
	}
	return err
}

// Run housekeeps every ten minutes until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if err := s.Housekeep(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("session housekeeping failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

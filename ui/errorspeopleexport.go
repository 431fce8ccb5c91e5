package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/auth"
)

// ErrorPeopleBounded is the export with its bounds stated: how many
// kept events matched and whether the service cut the answer
// (apperrors.Service.ExportPersonBounded's Matched and Truncated). When
// Deps.ErrorPeople implements it, the download says so; otherwise it
// says nothing of a cut.
type ErrorPeopleBounded interface {
	ExportAppUserBounded(ctx context.Context, p *auth.Principal, ids []string) (evs []apperrors.Event, matched int, truncated bool, err error)
}

// peopleExport is what the download holds besides the events.
type peopleExport struct {
	Matched   int  // -1: not known
	Truncated bool // the service left the oldest out (bounds)
	Known     bool // Matched and Truncated come from the service
}

// exportAppUser asks the service, bounded when it can say so.
func (s *Server) exportAppUser(ctx context.Context, ids []string) ([]apperrors.Event, peopleExport, error) {
	p := auth.PrincipalFrom(ctx)
	if b, ok := s.deps.ErrorPeople.(ErrorPeopleBounded); ok {
		evs, n, cut, err := b.ExportAppUserBounded(ctx, p, ids)
		return evs, peopleExport{Matched: n, Truncated: cut, Known: true}, err
	}
	evs, err := s.deps.ErrorPeople.ExportAppUser(ctx, p, ids)
	return evs, peopleExport{Matched: -1}, err
}

// writePeopleExport streams the export onto w, one event encoded at a
// time: the JSON of the whole is never held in memory, only the events
// the service returned (bounded there) and one event's encoding.
func writePeopleExport(w io.Writer, evs []apperrors.Event, x peopleExport) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	head := map[string]any{}
	if x.Known {
		head["matched"], head["truncated"] = x.Matched, x.Truncated
		if x.Truncated {
			head["note"] = "the export was cut at the service's bounds: the newest events are in it, the oldest left out"
		}
	}
	h, err := json.Marshal(head)
	if err != nil {
		return err
	}
	// head is an object: open it up again to add the events.
	h = h[:len(h)-1]
	if len(head) > 0 {
		h = append(h, ',')
	}
	if _, err := bw.Write(append(h, `"error_events":[`...)); err != nil {
		return err
	}
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false) // stored payloads are not escaped either: the bound holds
	for i := range evs {
		if i > 0 {
			if err := bw.WriteByte(','); err != nil {
				return err
			}
		}
		if err := enc.Encode(&evs[i]); err != nil {
			return err
		}
	}
	if _, err := bw.WriteString("]}\n"); err != nil {
		return err
	}
	return bw.Flush()
}

// servePeopleExport answers the download.
func (s *Server) servePeopleExport(w http.ResponseWriter, evs []apperrors.Event, x peopleExport) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="ward-app-user-error-events.json"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := writePeopleExport(w, evs, x); err != nil {
		s.logger.Warn("error people export: writing", "err", err)
	}
}

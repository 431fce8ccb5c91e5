package apperrors

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
)

// Options wire a Service to the rest of ward.
type Options struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	State      *storage.State
	// Dir holds the compressed event payloads (<data>/errors).
	Dir string
	// ExternalURL is ward's address, the host of the projects' DSNs.
	ExternalURL *url.URL
	Now         func() time.Time
}

// Service is error tracking: it accepts parsed events, groups, samples
// and stores them, and answers the pages.
//
// Accept queues and waits; Run's worker scrubs, normalises and groups
// each event and commits a batch of them, from all the requests
// waiting, in one bbolt transaction, writing the kept samples' payloads
// first (store.go), then releases their Accept calls. Retention and the size
// cap run beside it (retention.go).
type Service struct {
	opts    Options
	cfg     atomic.Pointer[settings]
	queue   *queue
	metrics *metrics
	// writeMu keeps the payload files and the index in step between the
	// worker, retention and erasure (bbolt serialises the transactions,
	// this the file work around them).
	writeMu sync.Mutex
	// visible, when set (the benchmark), is called with each event's
	// acceptance time once it is visible.
	visible func(accepted time.Time)
	// salt keys the users' pseudonyms (userHash).
	salt []byte
	// exportEvents and exportBytes bound a person's export
	// (MaxExportEvents, MaxExportBytes; smaller in tests).
	exportEvents, exportBytes int
	// overCap wakes the size cap's eviction at once when a batch took
	// the samples over max_size or their number over its cap.
	overCap chan struct{}
	// maxIssues and maxReleases bound a project's issues and releases
	// (MaxProjectIssues, MaxProjectReleases; smaller in tests).
	maxIssues, maxReleases int
}

// settings are the applied configuration: projects by id.
type settings struct {
	projects  map[string]config.ErrorProject
	order     []string
	retention time.Duration
	maxSize   int64
	// maxSamples caps the number of stored samples: max_size over a
	// file system block (storage.AppSampleBlock), what the smallest
	// payload file takes.
	maxSamples int64
}

// New builds a Service; nothing runs until Run.
func New(o Options) (*Service, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.State == nil || o.Dir == "" {
		return nil, fmt.Errorf("apperrors: State and Dir are required")
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, fmt.Errorf("apperrors: metrics: %w", err)
	}
	s := &Service{opts: o, queue: newQueue(), metrics: m, overCap: make(chan struct{}, 1), exportEvents: MaxExportEvents, exportBytes: MaxExportBytes,
		maxIssues: MaxProjectIssues, maxReleases: MaxProjectReleases}
	if err := o.State.Update(func(tx *storage.Tx) (err error) {
		if s.salt, err = tx.AppUserSalt(); err != nil {
			return err
		}
		return tx.EnsureAppSampleTotals()
	}); err != nil {
		return nil, fmt.Errorf("apperrors: user salt and sample totals: %w", err)
	}
	if err := s.ensureIssueIndex(); err != nil {
		return nil, fmt.Errorf("apperrors: issue index: %w", err)
	}
	if err := s.Apply(config.DefaultErrors()); err != nil {
		return nil, err
	}
	return s, nil
}

// Apply takes a new configuration's errors section (at start and on
// every reload).
func (s *Service) Apply(cfg config.Errors) error {
	st := &settings{
		projects:  map[string]config.ErrorProject{},
		retention: time.Duration(cfg.Retention),
		maxSize:   int64(cfg.MaxSize),
	}
	def := config.DefaultErrors()
	if st.retention <= 0 {
		st.retention = time.Duration(def.Retention)
	}
	if st.maxSize <= 0 {
		st.maxSize = int64(def.MaxSize)
	}
	st.maxSamples = max(1, st.maxSize/storage.AppSampleBlock)
	for _, p := range cfg.Projects {
		if _, dup := st.projects[p.ID]; !dup {
			st.order = append(st.order, p.ID)
		}
		st.projects[p.ID] = p
	}
	s.cfg.Store(st)
	return nil
}

// Projects are the configured projects with their DSNs.
func (s *Service) Projects() []Project {
	st := s.cfg.Load()
	out := make([]Project, 0, len(st.order))
	for _, id := range st.order {
		p := st.projects[id]
		out = append(out, Project{ID: p.ID, Name: projectName(p), DSN: s.dsn(p)})
	}
	return out
}

func projectName(p config.ErrorProject) string {
	if p.Name != "" {
		return p.Name
	}
	return p.ID
}

// dsn is <scheme>://<first key>@<host><path>/<id>.
func (s *Service) dsn(p config.ErrorProject) string {
	u := s.opts.ExternalURL
	if u == nil || len(p.Keys) == 0 {
		return ""
	}
	d := url.URL{Scheme: u.Scheme, User: url.User(p.Keys[0]), Host: u.Host, Path: trimSlash(u.Path) + "/" + p.ID}
	return d.String()
}

func trimSlash(p string) string {
	for len(p) > 0 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	return p
}

// Accept takes the event items of one request for projectID (already
// authenticated, decompressed, within the size and depth limits):
// each is one event's JSON. It returns ErrOverloaded at once when the
// queue cannot take them (or the worker has stopped). Otherwise it
// returns nil only once they are committed to bbolt, so that an event
// answered 200 survives a crash; ctx ending first returns its error
// (the events may still be stored: the SDK's retry then counts twice).
//
// It takes all of the request's events or none: a refused request
// stored nothing, and the SDK sends it again after Retry-After.
func (s *Service) Accept(ctx context.Context, projectID string, events []json.RawMessage, received time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, ok := s.cfg.Load().projects[projectID]; !ok {
		return fmt.Errorf("project %q: %w", projectID, ErrNotFound)
	}
	if len(events) == 0 {
		return nil
	}
	now := time.Now()
	req := newWaiter(len(events))
	items := make([]item, 0, len(events))
	for _, e := range events {
		// A copy: the caller's buffers are its own once Accept returns.
		items = append(items, item{project: projectID, raw: append([]byte(nil), e...), received: received, accepted: now, req: req})
	}
	if !s.queue.push(items) {
		s.metrics.dropped.WithLabelValues("queue_full").Add(float64(len(items)))
		return ErrOverloaded
	}
	n, b := s.queue.depth()
	s.metrics.queueEvents.Set(float64(n))
	s.metrics.queueBytes.Set(float64(b))
	select {
	case <-req.done:
		return req.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run processes accepted events and applies retention until ctx ends.
// At the end it refuses new events and processes what is still queued:
// every accepted event is stored.
func (s *Service) Run(ctx context.Context) error {
	if err := os.MkdirAll(s.opts.Dir, 0o700); err != nil {
		return fmt.Errorf("apperrors: %w", err)
	}
	s.sweepOrphans()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.runRetention(ctx)
	}()
	expire := time.NewTicker(30 * time.Second)
	defer expire.Stop()
	for {
		select {
		case <-ctx.Done():
			s.queue.close()
			s.drain()
			wg.Wait()
			return nil
		case <-s.queue.wake:
			s.drain()
		case <-expire.C:
			s.metrics.expireRecent(s.opts.Now())
		}
	}
}

// drain processes batches until the queue is empty.
func (s *Service) drain() {
	for {
		batch := s.queue.take()
		if len(batch) == 0 {
			return
		}
		s.process(batch)
		n, b := s.queue.depth()
		s.metrics.queueEvents.Set(float64(n))
		s.metrics.queueBytes.Set(float64(b))
	}
}

package alerting

import (
	"time"

	"github.com/ward-monitoring/ward/storage"
)

// Delivery is one attempt to send a notification through an integration,
// as Deliveries returns it. Its JSON is what GET /api/ward/deliveries
// lists: change it only with the API. How attempts are stored is
// storage.Delivery's business.
type Delivery struct {
	Time        time.Time     `json:"time"`
	Receiver    string        `json:"receiver"`
	Integration string        `json:"integration"`
	GroupKey    string        `json:"groupKey"`
	Alerts      int           `json:"alerts"`
	Resolved    bool          `json:"resolved"`
	Status      string        `json:"status"` // "success", "retry" or "failed"
	Error       string        `json:"error,omitempty"`
	Duration    time.Duration `json:"durationNanos"`
}

// DeliveryStore keeps the last delivery attempts (*storage.State).
type DeliveryStore interface {
	// AddDelivery records an attempt and drops the oldest beyond keep.
	AddDelivery(d storage.Delivery, keep int) error
	// Deliveries returns up to limit attempts, newest first, only those
	// of receiver unless it is empty.
	Deliveries(receiver string, limit int) ([]storage.Delivery, error)
}

var _ DeliveryStore = (*storage.State)(nil)

// stored is d as the store keeps it.
func (d Delivery) stored() storage.Delivery {
	return storage.Delivery{
		Time: d.Time, Receiver: d.Receiver, Integration: d.Integration, GroupKey: d.GroupKey,
		Alerts: d.Alerts, Resolved: d.Resolved, Status: d.Status, Error: d.Error, Duration: d.Duration,
	}
}

// deliveryOf is the attempt the store kept as s.
func deliveryOf(s storage.Delivery) Delivery {
	return Delivery{
		Time: s.Time, Receiver: s.Receiver, Integration: s.Integration, GroupKey: s.GroupKey,
		Alerts: s.Alerts, Resolved: s.Resolved, Status: s.Status, Error: s.Error, Duration: s.Duration,
	}
}

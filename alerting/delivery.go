package alerting

import "github.com/ward-monitoring/ward/storage"

// Delivery is one notification delivery attempt, as Deliveries returns
// it and /api/ward/deliveries lists it. For now it is the stored record
// itself; the HTTP server names it through this package, not storage.
type Delivery = storage.Delivery

package motcua

import "time"

// WebhookAttempt is one try to deliver a notification.
type WebhookAttempt struct {
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code"` // 0 when no answer came
	Error      string    `json:"error"`
	DurationMS int64     `json:"duration_ms"`
}

// Webhook delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // gave up after the last retry
)

// WebhookDelivery is one outbound notification and its attempts.
type WebhookDelivery struct {
	ID            int64            `json:"id"`
	Event         string           `json:"event"`
	DossierID     int64            `json:"dossier_id"`
	DossierCode   string           `json:"dossier_code"`
	State         string           `json:"state"`
	CreatedAt     time.Time        `json:"created_at"`
	NextAttemptAt *time.Time       `json:"next_attempt_at"`
	DeliveredAt   *time.Time       `json:"delivered_at"`
	Attempts      []WebhookAttempt `json:"attempts"`
	Payload       string           `json:"payload"`
}

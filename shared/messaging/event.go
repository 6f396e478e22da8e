package messaging

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
)

// SpecVersion is the CloudEvents version of every event of the lab.
const SpecVersion = "1.0"

// ContentType is the AMQP content type of a message: a CloudEvents document in
// structured JSON mode.
const ContentType = "application/cloudevents+json"

// DataContentType is the media type of an event's data.
const DataContentType = "application/json"

// Event is a CloudEvents 1.0 envelope: the body of every message.
type Event struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Source          string          `json:"source"`
	Type            string          `json:"type"`
	Time            time.Time       `json:"time"`
	Subject         string          `json:"subject,omitempty"`
	DataContentType string          `json:"datacontenttype,omitempty"`
	Data            json.RawMessage `json:"data,omitempty"`
}

// NewEvent returns an event of type typ about subject (the aggregate's id, e.g.
// an order id) from source (a URI reference such as "/ordering"), with a fresh
// UUID, the current UTC time and data encoded as JSON (none when data is nil).
func NewEvent(source, typ, subject string, data any) (Event, error) {
	var raw json.RawMessage
	if data != nil {
		var err error
		if raw, err = json.Marshal(data); err != nil {
			return Event{}, fmt.Errorf("encode %s data: %w", typ, err)
		}
	}
	ev := Event{
		SpecVersion: SpecVersion, ID: domain.NewID(), Source: source, Type: typ,
		Time: domain.Now(), Subject: subject,
		DataContentType: DataContentType, Data: raw,
	}
	return ev, ev.Validate()
}

// Validate reports whether ev has the attributes CloudEvents requires.
func (ev Event) Validate() error {
	var missing []error
	for _, f := range []struct{ name, value string }{
		{"specversion", ev.SpecVersion}, {"id", ev.ID}, {"source", ev.Source}, {"type", ev.Type},
	} {
		if f.value == "" {
			missing = append(missing, fmt.Errorf("%s is missing", f.name))
		}
	}
	if ev.SpecVersion != "" && ev.SpecVersion != SpecVersion {
		missing = append(missing, fmt.Errorf("specversion %q is not %s", ev.SpecVersion, SpecVersion))
	}
	if err := errors.Join(missing...); err != nil {
		return fmt.Errorf("invalid event: %w", err)
	}
	return nil
}

// Marshal encodes ev as a CloudEvents JSON document.
func (ev Event) Marshal() ([]byte, error) { return json.Marshal(ev) }

// ParseEvent decodes a CloudEvents JSON document and validates it.
func ParseEvent(body []byte) (Event, error) {
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return Event{}, fmt.Errorf("decode event: %w", err)
	}
	if err := ev.Validate(); err != nil {
		return Event{}, err
	}
	return ev, nil
}

// DecodeData decodes the event's data into v.
func (ev Event) DecodeData(v any) error {
	if len(ev.Data) == 0 {
		return fmt.Errorf("event %s (%s) has no data", ev.ID, ev.Type)
	}
	if err := json.Unmarshal(ev.Data, v); err != nil {
		return fmt.Errorf("decode %s data: %w", ev.Type, err)
	}
	return nil
}

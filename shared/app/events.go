package app

import (
	"log/slog"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/gateway"
	"github.com/microservice-patterns/lab/shared/messaging"
)

// LiveEvents is the gateway option of the asynchronous variants: it serves the
// variant's events at GET /api/lab/events as Server-Sent Events, from a tap on
// the variant's exchange (gateway.EventStream).
func LiveEvents(cfg config.Gateway, log *slog.Logger) ([]gateway.Option, error) {
	names, err := messaging.NewNames(cfg.Variant, cfg.RunID)
	if err != nil {
		return nil, err
	}
	return []gateway.Option{gateway.WithEvents(&gateway.EventStream{URL: cfg.AMQPURL, Names: names, Log: log})}, nil
}

package main

import (
	"log/slog"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	gateway "github.com/microservice-patterns/lab/ui-gateway"
)

// variant wires every service with the synchronous defaults, and gives the
// gateway a rate limiter in front of the business API (ratelimit.go).
var variant = newVariant(config.Env)

// newVariant returns the variant with its settings read from env.
func newVariant(env config.Getenv) app.Variant {
	return app.Variant{
		Name:          "rate-limiting",
		OrderingPorts: app.SyncOrderingPorts,
		Gateway: func(_ config.Gateway, log *slog.Logger) ([]gateway.Option, error) {
			s, err := config.LoadRateLimit(env)
			if err != nil {
				return nil, err
			}
			log.Info("rate limit per client", "rate", s.Rate, "burst", s.Burst, "idle", s.Idle, "max_clients", s.MaxClients, "api_keys", len(s.APIKeys))
			return []gateway.Option{gateway.WithMiddleware(newLimiter(s, time.Now).middleware())}, nil
		},
	}
}

// Package ratelimiting is the rate-limiting pattern: the gateway gives each
// client a token bucket (ratelimit.go). It composes with every base, since it
// sits in front of the services: rate-limiting alone is rest plus the limiter.
package ratelimiting

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/app"
)

// Pattern is the rate limiter, as the lab's catalogue lists it.
var Pattern = app.RegisterPattern(&app.Pattern{
	Name:        "rate-limiting",
	Category:    "reliability",
	Description: "a token bucket per client at the gateway: 429 with Retry-After and RateLimit headers",
	Extend:      extend,
}, "rest", "event-notification", "event-carried-state-transfer")

// extend puts the limiter in front of the gateway's business API; the services
// are left alone.
func extend(s app.Scope) (*app.Extension, error) {
	if s.Service != "gateway" {
		return nil, nil
	}
	settings, err := loadSettings(s.Env)
	if err != nil {
		return nil, err
	}
	s.Log.Info("rate limit per client", "rate", settings.Rate, "burst", settings.Burst, "idle", settings.Idle,
		"max_clients", settings.MaxClients, "api_keys", len(settings.APIKeys))
	l := newLimiter(settings, time.Now)
	return &app.Extension{Inbound: []gin.HandlerFunc{l.middleware()}, State: l.state}, nil
}

package ratelimiting

import (
	"fmt"
	"strings"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
)

// settings configure the gateway's rate limiter.
type settings struct {
	Rate       float64       // RATE_LIMIT_RPS: requests per second a client may sustain
	Burst      int           // RATE_LIMIT_BURST: requests a client may send at once (the bucket's size)
	Idle       time.Duration // RATE_LIMIT_IDLE: a client unseen this long is forgotten
	MaxClients int           // RATE_LIMIT_MAX_CLIENTS: clients remembered at most; beyond, the least recent is forgotten
	APIKeys    []string      // RATE_LIMIT_API_KEYS: the API keys that name a client (comma-separated); any other key is ignored
}

// maxAPIKeyLen bounds the length of an API key.
const maxAPIKeyLen = 128

// loadSettings reads the rate limiter's settings from env.
func loadSettings(env config.Getenv) (settings, error) {
	r := config.NewReader(env)
	l := settings{
		Rate:       r.Number("RATE_LIMIT_RPS", 100),
		Burst:      r.Positive("RATE_LIMIT_BURST", 600),
		Idle:       r.Duration("RATE_LIMIT_IDLE", 5*time.Minute),
		MaxClients: r.Positive("RATE_LIMIT_MAX_CLIENTS", 10000),
	}
	for _, k := range strings.Split(r.String("RATE_LIMIT_API_KEYS", ""), ",") {
		switch k = strings.TrimSpace(k); {
		case k == "":
		case len(k) > maxAPIKeyLen:
			r.Fail("RATE_LIMIT_API_KEYS", fmt.Errorf("want keys of at most %d characters, got one of %d", maxAPIKeyLen, len(k)))
		default:
			l.APIKeys = append(l.APIKeys, k)
		}
	}
	if l.Rate <= 0 {
		r.Fail("RATE_LIMIT_RPS", fmt.Errorf("want a rate above 0, got %g", l.Rate))
	}
	// Forgetting a client is harmless only once its bucket has filled up again.
	if full := time.Duration(float64(l.Burst) / l.Rate * float64(time.Second)); l.Rate > 0 && l.Idle < full {
		r.Fail("RATE_LIMIT_IDLE", fmt.Errorf("want at least RATE_LIMIT_BURST/RATE_LIMIT_RPS (%s), got %s", full, l.Idle))
	}
	return l, r.Err()
}

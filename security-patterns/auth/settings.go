package auth

import (
	"strings"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
)

// Settings are what the provider and its clients read from the environment.
type Settings struct {
	// Issuer is the provider's issuer, to the character: OIDC_ISSUER when an
	// external provider is used, else the auth process's AUTH_URL.
	Issuer string
	// External says that OIDC_ISSUER names a provider the lab does not run.
	External bool
	// Password is the demo users' password (LAB_DEMO_PASSWORD).
	Password string
	// TokenTTL is how long an access token lives (AUTH_TOKEN_TTL).
	TokenTTL time.Duration
	// RefreshTTL is how long a refresh token lives (AUTH_REFRESH_TTL).
	RefreshTTL time.Duration
	env        config.Getenv
}

// DefaultPassword is the demo users' password unless LAB_DEMO_PASSWORD says otherwise.
const DefaultPassword = "lab"

// LoadSettings reads the settings from env.
func LoadSettings(env config.Getenv) (Settings, error) {
	r := config.NewReader(env)
	s := Settings{
		Issuer:     r.String("OIDC_ISSUER", ""),
		Password:   r.String("LAB_DEMO_PASSWORD", DefaultPassword),
		TokenTTL:   r.Duration("AUTH_TOKEN_TTL", 10*time.Minute),
		RefreshTTL: r.Duration("AUTH_REFRESH_TTL", 8*time.Hour),
		env:        env,
	}
	s.External = s.Issuer != ""
	if !s.External {
		p, err := config.LoadProcess("auth", env)
		if err != nil {
			return s, err
		}
		s.Issuer = p.URL
	}
	s.Issuer = strings.TrimSuffix(s.Issuer, "/")
	return s, r.Err()
}

// ClientID is the id a client of the lab has at the provider
// (<NAME>_CLIENT_ID, by default its name).
func (s Settings) ClientID(name string) string {
	return config.NewReader(s.env).String(strings.ToUpper(name)+"_CLIENT_ID", name)
}

// ClientSecret is the secret of a confidential client of the lab
// (<NAME>_CLIENT_SECRET; the demo default is "<name>-secret").
func (s Settings) ClientSecret(name string) string {
	return config.NewReader(s.env).String(strings.ToUpper(name)+"_CLIENT_SECRET", name+"-secret")
}

// external reports whether the settings name an external provider: the
// lab's auth process is then not started.
func external(env config.Getenv) bool { return strings.TrimSpace(env("OIDC_ISSUER")) != "" }

package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// keyring holds the provider's signing keys: the newest signs, and a key
// that rotation replaced stays in the JWKS until every token it signed has
// expired, so that services keep verifying them without a restart.
type keyring struct {
	mu      sync.Mutex
	keys    []*signingKey // the newest last
	lasting time.Duration // how long a retired key is kept: the longest token lifetime
	now     func() time.Time
}

type signingKey struct {
	id      string
	private *rsa.PrivateKey
	retired time.Time // zero while it signs
}

func newKeyring(lasting time.Duration) (*keyring, error) {
	k := &keyring{lasting: lasting, now: time.Now}
	if _, err := k.rotate(); err != nil {
		return nil, err
	}
	return k, nil
}

// rotate makes a new signing key and retires the current one.
func (k *keyring) rotate() (string, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if n := len(k.keys); n > 0 {
		k.keys[n-1].retired = now
	}
	id := fmt.Sprintf("lab-%s-%x", now.UTC().Format("20060102T150405"), b)
	k.keys = append(k.keys, &signingKey{id: id, private: priv})
	return id, nil
}

// current returns the signing key.
func (k *keyring) current() *signingKey {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.keys[len(k.keys)-1]
}

// published returns the keys of the JWKS and forgets the retired keys whose tokens have all expired.
func (k *keyring) published() []*signingKey {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	kept := k.keys[:0]
	for _, key := range k.keys {
		if key.retired.IsZero() || now.Before(key.retired.Add(k.lasting)) {
			kept = append(kept, key)
		}
	}
	k.keys = kept
	return append([]*signingKey(nil), kept...)
}

// op.SigningKey and op.Key.
func (s *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (s *signingKey) Algorithm() jose.SignatureAlgorithm          { return jose.RS256 }
func (s *signingKey) ID() string                                  { return s.id }
func (s *signingKey) Use() string                                 { return "sig" }

// Key is the private key when signing and the public one in the JWKS: the
// storage hands out publicKey values for the latter.
func (s *signingKey) Key() any { return s.private }

// publicKey is a signing key as the JWKS shows it.
type publicKey struct{ *signingKey }

func (p publicKey) Key() any { return &p.private.PublicKey }

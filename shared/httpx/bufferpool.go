package httpx

import "sync"

// BufferPool lends the 32 KiB buffers a reverse proxy copies bodies through,
// so that a proxied request allocates none (httputil.ReverseProxy.BufferPool).
type BufferPool struct{ p sync.Pool }

// NewBufferPool returns an empty pool.
func NewBufferPool() *BufferPool { return &BufferPool{} }

// Get lends a buffer.
func (b *BufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32<<10)
}

// Put takes a buffer back.
func (b *BufferPool) Put(buf []byte) { b.p.Put(&buf) }

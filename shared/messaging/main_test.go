package messaging_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run when a test leaves a goroutine behind: a stopped relay,
// consumer or tap must leave nothing running.
//
// The goroutines of toxiproxy (the TCP proxy the tests cut) are not the
// lab's, and it does not always end them: when a proxy stops while bytes are
// in flight, its links' reader and toxic stages can stay blocked on their
// channels once the writer has gone, and a fresh-clone run also found a
// proxy's accept loop still running after every test had stopped its proxy.
// They are left out; every goroutine of the lab's is still checked.
func TestMain(m *testing.M) {
	var opts []goleak.Option
	for _, f := range []string{
		"github.com/Shopify/toxiproxy/v2.(*ToxicLink).read",
		"github.com/Shopify/toxiproxy/v2.(*ToxicLink).write",
		"github.com/Shopify/toxiproxy/v2/toxics.(*ToxicStub).Run",
		"github.com/Shopify/toxiproxy/v2.(*Proxy).server",
		"github.com/Shopify/toxiproxy/v2.(*Proxy).freeBlocker",
	} {
		opts = append(opts, goleak.IgnoreAnyFunction(f))
	}
	goleak.VerifyTestMain(m, opts...)
}

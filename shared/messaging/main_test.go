package messaging_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run when a test leaves a goroutine behind: a stopped relay,
// consumer or tap must leave nothing running.
//
// The goroutines of toxiproxy's links (the TCP proxy the tests cut) are not
// the lab's: when a proxy stops while bytes are in flight, its reader and
// toxic stages can stay blocked on their channels once the writer has gone.
// They are left out, and every goroutine of the lab's is still checked.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/Shopify/toxiproxy/v2.(*ToxicLink).read"),
		goleak.IgnoreAnyFunction("github.com/Shopify/toxiproxy/v2.(*ToxicLink).write"),
		goleak.IgnoreAnyFunction("github.com/Shopify/toxiproxy/v2/toxics.(*ToxicStub).Run"))
}

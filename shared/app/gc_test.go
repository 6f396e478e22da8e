package app

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestCollectSooner(t *testing.T) {
	was := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(was) })

	t.Setenv("GOGC", "200") // a GOGC of the user's is left alone
	collectSooner("ordering")
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set, the GC percent became %d, want it left at 100", got)
	}

	os.Unsetenv("GOGC") // t.Setenv restores it after the test
	collectSooner("gateway")
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("without GOGC, the gateway's GC percent became %d, want Go's default 100", got)
	}
	collectSooner("ordering")
	if got := debug.SetGCPercent(100); got != GCPercent {
		t.Errorf("without GOGC, a service's GC percent is %d, want %d", got, GCPercent)
	}
}

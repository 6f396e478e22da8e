package faults

import (
	"context"
	"time"

	"strings"
	"testing"
)

func TestSettings_Validate(t *testing.T) {
	valid := []Settings{
		{},
		{ErrorRate: 1, ErrorStatus: 502},
		{ErrorRate: 0.25, ErrorStatus: 429, LatencyMs: 100, LatencyJitterMs: 50},
		{Down: Refuse},
		{Down: Hang, LatencyMs: MaxLatencyMs},
	}
	for _, s := range valid {
		if err := s.Validate(); err != nil {
			t.Errorf("%+v: got %v, want valid", s, err)
		}
	}
	invalid := map[string]Settings{
		"errorRate":       {ErrorRate: 1.5},
		"errorStatus":     {ErrorStatus: 200},
		"latencyMs":       {LatencyMs: -1},
		"latencyJitterMs": {LatencyJitterMs: MaxLatencyMs + 1},
		"down":            {Down: "sometimes"},
	}
	for field, s := range invalid {
		err := s.Validate()
		if err == nil || !strings.Contains(explain(err), field) {
			t.Errorf("%+v: got %v, want an error on %s", s, err, field)
		}
	}
}

func TestParse(t *testing.T) {
	t.Run("empty is no faults", func(t *testing.T) {
		s, err := Parse("  ")
		if err != nil || s != (Settings{}) {
			t.Errorf("got %+v, %v; want no faults", s, err)
		}
	})
	t.Run("reads the documented fields", func(t *testing.T) {
		s, err := Parse(`{"errorRate":0.5,"errorStatus":504,"latencyMs":10,"latencyJitterMs":5,"down":""}`)
		want := Settings{ErrorRate: 0.5, ErrorStatus: 504, LatencyMs: 10, LatencyJitterMs: 5}
		if err != nil || s != want {
			t.Errorf("got %+v, %v; want %+v", s, err, want)
		}
	})
	t.Run("names the field out of range", func(t *testing.T) {
		_, err := Parse(`{"down":"later"}`)
		if err == nil || !strings.Contains(err.Error(), "down") {
			t.Errorf("got %v, want an error naming down", err)
		}
	})
	t.Run("refuses an unknown field", func(t *testing.T) {
		if _, err := Parse(`{"errorRat":1}`); err == nil {
			t.Error("got no error for a misspelt field")
		}
	})
}

func TestSettings_String(t *testing.T) {
	for s, want := range map[Settings]string{
		{}:                                   "no faults",
		{ErrorRate: 0.3}:                     "503 to 30% of requests",
		{LatencyMs: 100, LatencyJitterMs: 5}: "latency 100 to 105 ms",
		{LatencyMs: 100}:                     "latency 100 ms",
		{Down: Hang}:                         "down (hang)",
	} {
		if got := s.String(); got != want {
			t.Errorf("%+v: got %q, want %q", s, got, want)
		}
	}
}

func TestInjector_WaitUp(t *testing.T) {
	in, err := New("billing", Settings{Down: Hang})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- in.WaitUp(context.Background()) }()
	select {
	case err := <-done:
		t.Fatalf("WaitUp returned %v while the service is down", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := in.Set(Settings{LatencyMs: 5}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitUp did not return once the service was up")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := in.Set(Settings{Down: Refuse}); err != nil {
		t.Fatal(err)
	}
	if err := in.WaitUp(ctx); err != context.Canceled {
		t.Fatalf("WaitUp with a done context: got %v", err)
	}
}

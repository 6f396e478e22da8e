//go:build smoke

package acceptance_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// TestSmoke runs the suite against a lab started by the runner (`make smoke`,
// or `bin/lab smoke <variant>`), whose gateway is at LAB_URL.
func TestSmoke(t *testing.T) {
	cfg := testenv.Config()
	url := cfg.LabURL
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(url + "/api/lab/info")
	var info struct {
		Features struct {
			ReadModel bool `json:"readModel"`
		} `json:"features"`
	}
	if err == nil {
		_ = json.NewDecoder(resp.Body).Decode(&info)
		resp.Body.Close()
	}
	testenv.Require(t, "a running lab at "+url, err)
	// A base with a read model says so at /api/lab/info (app.Base.EventualReads).
	acceptance.Run(t, url, acceptance.Options{Timeout: 20 * time.Second, Token: cfg.LabToken,
		EventualReads: info.Features.ReadModel})
}

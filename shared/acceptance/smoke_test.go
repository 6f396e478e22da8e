//go:build smoke

package acceptance_test

import (
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
	if err == nil {
		resp.Body.Close()
	}
	testenv.Require(t, "a running lab at "+url, err)
	acceptance.Run(t, url, acceptance.Options{Timeout: 20 * time.Second, Token: cfg.LabToken})
}

package domain_test

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/domain"
)

func TestValidID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"8e4f2a6c-1d3b-4f5a-9c7e-2b8d6f0a4c21", true},
		{"00000000-0000-0000-0000-000000000000", true},
		{domain.NewID(), true},
		{"8E4F2A6C-1D3B-4F5A-9C7E-2B8D6F0A4C21", false}, // uppercase: stored ids are lowercase, so it would never be found
		{"8e4f2a6c-1d3b-4f5a-9c7e-2b8d6f0a4C21", false},
		{"{8e4f2a6c-1d3b-4f5a-9c7e-2b8d6f0a4c21}", false},
		{"urn:uuid:8e4f2a6c-1d3b-4f5a-9c7e-2b8d6f0a4c21", false},
		{"8e4f2a6c1d3b4f5a9c7e2b8d6f0a4c21", false},
		{"8e4f2a6c-1d3b-4f5a-9c7e-2b8d6f0a4c2g", false},
		{"8e4f2a6c+1d3b-4f5a-9c7e-2b8d6f0a4c21", false},
		{"8e4f2a6c-1d3b-4f5a-9c7e-2b8d6f0a4c2", false},
		{"8e4f2a6c-1d3b-4f5a-9c7e-2b8d6f0a4c2\x00", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := domain.ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestCheckID(t *testing.T) {
	if err := domain.CheckID("orderId", domain.NewID()); err != nil {
		t.Fatalf("a new id: got %v, want nil", err)
	}
	err := domain.CheckID("orderId", "8E4F2A6C-1D3B-4F5A-9C7E-2B8D6F0A4C21")
	de, ok := err.(*domain.Error)
	if !ok || de.Code != domain.CodeInvalid || len(de.Fields) != 1 ||
		de.Fields[0] != (domain.FieldError{Field: "orderId", Message: domain.IDMessage}) {
		t.Fatalf("an uppercase id: got %#v, want an invalid error on orderId", err)
	}
}

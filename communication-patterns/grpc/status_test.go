package grpc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// TestStatusMapping: each gRPC code a call can end with becomes the domain
// error whose problem status the gateway answers, and a pattern sees the
// same status on the call's response.
func TestStatusMapping(t *testing.T) {
	for _, c := range []struct {
		code   codes.Code
		want   domain.Code
		status int
	}{
		{codes.InvalidArgument, domain.CodeInvalid, http.StatusBadRequest},
		{codes.OutOfRange, domain.CodeInvalid, http.StatusBadRequest},
		{codes.NotFound, domain.CodeNotFound, http.StatusNotFound},
		{codes.FailedPrecondition, domain.CodeConflict, http.StatusConflict},
		{codes.AlreadyExists, domain.CodeConflict, http.StatusConflict},
		{codes.Aborted, domain.CodeConflict, http.StatusConflict},
		{codes.Unauthenticated, domain.CodeUnauthorized, http.StatusUnauthorized},
		{codes.PermissionDenied, domain.CodeForbidden, http.StatusForbidden},
		{codes.ResourceExhausted, domain.CodeTooManyRequests, http.StatusTooManyRequests},
		{codes.Unavailable, domain.CodeUnavailable, http.StatusServiceUnavailable},
		{codes.Canceled, domain.CodeUnavailable, http.StatusServiceUnavailable},
		{codes.DeadlineExceeded, domain.CodeTimeout, http.StatusGatewayTimeout},
		{codes.Internal, domain.CodeBadGateway, http.StatusBadGateway},
		{codes.Unknown, domain.CodeBadGateway, http.StatusBadGateway},
		{codes.Unimplemented, domain.CodeBadGateway, http.StatusBadGateway},
		{codes.DataLoss, domain.CodeBadGateway, http.StatusBadGateway},
	} {
		err := domainError(context.Background(), "warehouse", status.Error(c.code, "said the callee"))
		if got := domain.ErrorCode(err); got != c.want {
			t.Errorf("%s: domain code %s, want %s", c.code, got, c.want)
		}
		if got := httpx.StatusOf(domain.ErrorCode(err)); got != c.status {
			t.Errorf("%s: the gateway answers %d, want %d", c.code, got, c.status)
		}
		if got := httpStatus(status.Error(c.code, "x")); got != c.status {
			t.Errorf("%s: a pattern sees %d, want %d", c.code, got, c.status)
		}
		if !strings.Contains(domain.ErrorMessage(err), "warehouse") {
			t.Errorf("%s: message %q does not name the callee", c.code, domain.ErrorMessage(err))
		}
	}
}

// TestStatusOf: a callee's domain error keeps its code, its message, its
// fields and its retry delay across the wire; an internal error shows
// nothing of its chain.
func TestStatusOf(t *testing.T) {
	for code, want := range grpcCodes {
		if got := status.Code(statusOf(&domain.Error{Code: code, Message: "m"})); got != want {
			t.Errorf("%s: got %s, want %s", code, got, want)
		}
		if code == domain.CodeInternal || code == domain.CodeBadGateway {
			continue
		}
		if back := domain.ErrorCode(domainError(context.Background(), "x", statusOf(&domain.Error{Code: code, Message: "m"}))); back != code {
			t.Errorf("%s: round trip gives %s", code, back)
		}
	}
	invalid := domainError(context.Background(), "warehouse", statusOf(domain.Invalid(domain.FieldError{Field: "productId", Message: "no product has this id"})))
	var de *domain.Error
	if !errors.As(invalid, &de) || de.Code != domain.CodeInvalid || len(de.Fields) != 1 || de.Fields[0].Field != "productId" {
		t.Errorf("invalid fields across the wire: got %#v", invalid)
	}
	busy := domainError(context.Background(), "billing", statusOf(&domain.Error{Code: domain.CodeConflict, Message: "busy", RetryAfter: 3 * time.Second}))
	if got := domain.RetryAfterOf(busy); got != 3*time.Second {
		t.Errorf("retry delay across the wire: got %s, want 3s", got)
	}
	internal := statusOf(fmt.Errorf("read order: %w", errors.New("dial tcp 10.1.2.3:5432: connection refused")))
	if strings.Contains(internal.Error(), "10.1.2.3") || status.Code(internal) != codes.Internal {
		t.Errorf("internal error on the wire: %v", internal)
	}
	if msg := domain.ErrorMessage(domainError(context.Background(), "billing", internal)); strings.Contains(msg, "10.1.2.3") {
		t.Errorf("the caller's message shows the callee's internals: %q", msg)
	}
}

// TestDomainError_patternsAndContext: a pattern's own refusal passes as it
// is, and a context that ended is a timeout or a cancellation.
func TestDomainError_patternsAndContext(t *testing.T) {
	open := &domain.Error{Code: domain.CodeUnavailable, Message: "circuit breaker for warehouse is open", RetryAfter: time.Second}
	if got := domainError(context.Background(), "warehouse", open); got != error(open) {
		t.Errorf("a breaker's refusal: got %v", got)
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if got := domain.ErrorCode(domainError(ctx, "warehouse", ctx.Err())); got != domain.CodeTimeout {
		t.Errorf("a deadline that passed: got %s, want timeout", got)
	}
	gone, stop := context.WithCancel(context.Background())
	stop()
	if got := domain.ErrorCode(domainError(gone, "warehouse", gone.Err())); got != domain.CodeUnavailable {
		t.Errorf("a cancelled call: got %s, want unavailable", got)
	}
}

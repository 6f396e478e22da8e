package grpc

import (
	"context"
	"errors"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/microservice-patterns/lab/shared/domain"
)

// The one place where a domain error becomes a gRPC status at the callee
// and a gRPC status becomes a domain error again at the caller, whose edge
// (httpx.StatusOf) answers the problem status the gateway passes on.
//
//	domain code      gRPC code            problem status at the gateway
//	invalid          InvalidArgument      400
//	not_found        NotFound             404
//	conflict         FailedPrecondition   409
//	unauthorized     Unauthenticated      401
//	forbidden        PermissionDenied     403
//	too_many         ResourceExhausted    429
//	unavailable      Unavailable          503
//	timeout          DeadlineExceeded     504
//	bad_gateway      Unknown              502
//	internal         Internal             502 at the caller: the callee failed

// grpcCodes maps each domain code to the gRPC code a callee answers.
var grpcCodes = map[domain.Code]codes.Code{
	domain.CodeInvalid:         codes.InvalidArgument,
	domain.CodeNotFound:        codes.NotFound,
	domain.CodeConflict:        codes.FailedPrecondition,
	domain.CodeUnauthorized:    codes.Unauthenticated,
	domain.CodeForbidden:       codes.PermissionDenied,
	domain.CodeTooManyRequests: codes.ResourceExhausted,
	domain.CodeUnavailable:     codes.Unavailable,
	domain.CodeTimeout:         codes.DeadlineExceeded,
	domain.CodeBadGateway:      codes.Unknown,
	domain.CodeInternal:        codes.Internal,
}

// statusOf is the gRPC status of a callee's error: its code, its message
// meant for a client (never the Go error chain), the invalid fields as a
// google.rpc.BadRequest and how long to wait as a google.rpc.RetryInfo.
func statusOf(err error) error {
	st := status.New(grpcCodes[domain.ErrorCode(err)], domain.ErrorMessage(err))
	var details []protoadapt.MessageV1
	var de *domain.Error
	if errors.As(err, &de) && len(de.Fields) > 0 {
		br := &errdetails.BadRequest{}
		for _, f := range de.Fields {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: f.Field, Description: f.Message})
		}
		details = append(details, br)
	}
	if d := domain.RetryAfterOf(err); d > 0 {
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(d)})
	}
	if len(details) > 0 {
		if with, werr := st.WithDetails(details...); werr == nil {
			st = with
		}
	}
	return st.Err()
}

// domainCodes maps the gRPC code a caller receives to a domain code. A code
// no callee of the lab answers on purpose (Internal, Unknown, Unimplemented,
// DataLoss …) is the callee failing: a bad gateway, as a 5xx is for rest.
var domainCodes = map[codes.Code]domain.Code{
	codes.InvalidArgument:    domain.CodeInvalid,
	codes.OutOfRange:         domain.CodeInvalid,
	codes.NotFound:           domain.CodeNotFound,
	codes.FailedPrecondition: domain.CodeConflict,
	codes.AlreadyExists:      domain.CodeConflict,
	codes.Aborted:            domain.CodeConflict,
	codes.Unauthenticated:    domain.CodeUnauthorized,
	codes.PermissionDenied:   domain.CodeForbidden,
	codes.ResourceExhausted:  domain.CodeTooManyRequests,
	codes.Unavailable:        domain.CodeUnavailable,
	codes.Canceled:           domain.CodeUnavailable,
	codes.DeadlineExceeded:   domain.CodeTimeout,
}

// domainError is the caller's view of a failed call to callee: a pattern's
// own refusal (a breaker that is open) as it is, the end of the caller's
// context as a timeout or a cancellation, and a gRPC status as the domain
// error of its code, with the callee's message, fields and retry delay.
func domainError(ctx context.Context, callee string, err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return de
	}
	st, ok := status.FromError(err)
	if !ok {
		st = status.FromContextError(err)
	}
	code, known := domainCodes[st.Code()]
	if !known {
		code = domain.CodeBadGateway
	}
	switch {
	case st.Code() == codes.DeadlineExceeded || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &domain.Error{Code: domain.CodeTimeout, Message: callee + " did not answer in time", Err: err}
	case st.Code() == codes.Canceled:
		return &domain.Error{Code: domain.CodeUnavailable, Message: "the call to " + callee + " was cancelled", Err: err}
	case st.Code() == codes.Unavailable:
		return &domain.Error{Code: domain.CodeUnavailable, Message: callee + " is unavailable", Err: err, RetryAfter: retryDelay(st)}
	}
	out := &domain.Error{Code: code, Message: callee + ": " + st.Message(), RetryAfter: retryDelay(st)}
	if !known {
		out.Message = callee + " failed (" + st.Code().String() + ")"
	}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out.Fields = append(out.Fields, domain.FieldError{Field: v.GetField(), Message: v.GetDescription()})
			}
		}
	}
	return out
}

// retryDelay is the google.rpc.RetryInfo of a status, or 0.
func retryDelay(st *status.Status) time.Duration {
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return ri.GetRetryDelay().AsDuration()
		}
	}
	return 0
}

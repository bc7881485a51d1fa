package probe

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/net/http2"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protowire"
)

// What a grpc probe reports as grpc-go would: status codes and texts.

// rpcStatus is a call's failure as grpc-go's status error prints it.
type rpcStatus struct {
	code codes.Code
	msg  string
}

func (s *rpcStatus) Error() string {
	return fmt.Sprintf("rpc error: code = %s desc = %s", s.code, s.msg)
}

func connError(desc string) error {
	return &rpcStatus{codes.Unavailable, fmt.Sprintf("connection error: desc = %q", desc)}
}

// readError is a failed read as grpc-go reports it: the deadline, or a connection error.
func readError(err error, first bool) error {
	if isTimeout(err) {
		return &rpcStatus{codes.DeadlineExceeded, "context deadline exceeded"}
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		err = errno // as grpc-go prints it: "connection reset by peer"
	}
	if first {
		return connError("error reading server preface: " + err.Error())
	}
	return connError("error reading from server: " + err.Error())
}

func isTimeout(err error) bool {
	t, ok := err.(interface{ Timeout() bool })
	return ok && t.Timeout()
}

func unmarshalError(n int) error {
	return &rpcStatus{codes.Internal, fmt.Sprintf("grpc: failed to unmarshal the received message: %v", protowire.ParseError(n))}
}

// servingStatus is the name of a grpc.health.v1 ServingStatus, as protobuf prints it.
func servingStatus(s int32) string {
	if names := []string{"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"}; s >= 0 && int(s) < len(names) {
		return names[s]
	}
	return strconv.Itoa(int(s))
}

// grpcContentType: application/grpc, alone or with a subtype (+proto, ;charset=...).
func grpcContentType(v string) bool {
	rest, ok := strings.CutPrefix(v, "application/grpc")
	return ok && (rest == "" || rest[0] == '+' || rest[0] == ';')
}

// grpcMessage is grpc-message percent-decoded, as is when it does not decode.
func grpcMessage(v string) string {
	if s, err := url.PathUnescape(v); err == nil {
		return s
	}
	return v
}

// httpStatusCode is grpc-go's gRPC code for an HTTP status of an answer that is not gRPC's.
func httpStatusCode(n int) codes.Code {
	switch n {
	case 400:
		return codes.Internal
	case 401:
		return codes.Unauthenticated
	case 403:
		return codes.PermissionDenied
	case 404:
		return codes.Unimplemented
	case 429, 502, 503, 504:
		return codes.Unavailable
	}
	return codes.Unknown
}

// rstCode is grpc-go's gRPC code for an RST_STREAM's error code.
func rstCode(e http2.ErrCode) codes.Code {
	switch e {
	case http2.ErrCodeFlowControl, http2.ErrCodeEnhanceYourCalm:
		return codes.ResourceExhausted
	case http2.ErrCodeRefusedStream:
		return codes.Unavailable
	case http2.ErrCodeCancel:
		return codes.Canceled
	case http2.ErrCodeInadequateSecurity:
		return codes.PermissionDenied
	}
	return codes.Internal
}

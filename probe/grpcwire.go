package probe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protowire"
)

// The grpc probe's one unary call, grpc.health.v1.Health/Check, over cleartext HTTP/2 without
// grpc-go (whose ClientConn per probe cost ~0.7 ms and 626 allocations): the client preface,
// SETTINGS, HEADERS and DATA are encoded once per check and written on each probe's connection
// at once, then the server's frames are read (x/net/http2's Framer and hpack) until the
// stream's trailers. The outcome is what a grpc-go client reports: the status from grpc-status
// and grpc-message (or from the HTTP status of an answer that is not gRPC's), else the
// response's serving status.

// healthRequest is what a Check of service sends on a new connection to authority.
func healthRequest(authority, service string, timeout time.Duration) []byte {
	var b, block bytes.Buffer
	b.WriteString(http2.ClientPreface)
	fr := http2.NewFramer(&b, nil) // a bytes.Buffer's writes do not fail
	_ = fr.WriteSettings()
	enc := hpack.NewEncoder(&block)
	for _, f := range [][2]string{{":method", "POST"}, {":scheme", "http"},
		{":path", "/grpc.health.v1.Health/Check"}, {":authority", authority},
		{"content-type", "application/grpc"}, {"user-agent", UserAgent}, {"te", "trailers"},
		{"grpc-timeout", grpcTimeout(timeout)}} {
		_ = enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block.Bytes(), EndHeaders: true})
	var msg []byte // HealthCheckRequest{service}: field 1, a string
	if service != "" {
		msg = protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), service)
	}
	data := binary.BigEndian.AppendUint32([]byte{0}, uint32(len(msg))) // not compressed, length
	_ = fr.WriteData(1, true, append(data, msg...))
	return b.Bytes()
}

// grpcTimeout is gRPC's grpc-timeout header for d: at most 8 digits and a unit.
func grpcTimeout(d time.Duration) string {
	if us := d.Microseconds(); us < 1e8 {
		return strconv.FormatInt(us, 10) + "u"
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + "m"
}

// Limits of what a probe reads: frames as large as HTTP/2's default, headers as grpc-go
// accepts, and a response message far larger than a HealthCheckResponse.
const (
	grpcMaxFrame   = 16 << 10
	grpcMaxHeaders = 64 << 10
	grpcMaxMessage = 64 << 10
	nonGRPCMaxBody = 1024 // what grpc-go shows of the body of an answer that is not gRPC
)

// settingsAck is the SETTINGS frame with the ACK flag.
var settingsAck = []byte{0, 0, 0, byte(http2.FrameSettings), byte(http2.FlagSettingsAck), 0, 0, 0, 0}

// healthCall reads the answer to a Check on stream 1.
type healthCall struct {
	w       io.Writer // the connection: SETTINGS are acknowledged
	headers bool      // the response headers came: the peer speaks gRPC
	nonGRPC *rpcStatus
	body    []byte // the response's DATA (or the non-gRPC answer's body)
}

// readHealth reads the server's frames from r until the call's end and returns the serving
// status of the response, or the call's error (*rpcStatus).
func readHealth(r io.Reader, w io.Writer) (int32, error) {
	fr := http2.NewFramer(nil, r)
	fr.SetMaxReadFrameSize(grpcMaxFrame)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	fr.MaxHeaderListSize = grpcMaxHeaders
	c := &healthCall{w: w}
	for first := true; ; first = false {
		f, err := fr.ReadFrame()
		if errors.Is(err, errNeedMore) { // the answer so far ends here (grpcop.go)
			return 0, errNeedMore
		}
		if err != nil {
			return 0, readError(err, first)
		}
		if _, ok := f.(*http2.SettingsFrame); first && !ok {
			return 0, connError(fmt.Sprintf("initial http2 frame from server is not a settings frame: %T", f))
		}
		if done, status, err := c.frame(f); done {
			return status, err
		}
	}
}

// frame handles one frame; done is set when the call is over.
func (c *healthCall) frame(f http2.Frame) (done bool, status int32, err error) {
	switch f := f.(type) {
	case *http2.SettingsFrame:
		if !f.IsAck() {
			if _, err := c.w.Write(settingsAck); err != nil {
				return true, 0, connError("transport: " + err.Error())
			}
		}
	case *http2.GoAwayFrame:
		if f.LastStreamID < 1 {
			return true, 0, connError(fmt.Sprintf("received GOAWAY with error code %v before the call", f.ErrCode))
		}
	case *http2.RSTStreamFrame:
		if f.StreamID == 1 {
			return true, 0, &rpcStatus{rstCode(f.ErrCode), fmt.Sprintf("stream terminated by RST_STREAM with error code: %v", f.ErrCode)}
		}
	case *http2.DataFrame:
		if f.StreamID == 1 {
			return c.data(f.Data(), f.StreamEnded())
		}
	case *http2.MetaHeadersFrame:
		if f.StreamID == 1 {
			return c.header(f)
		}
	}
	return false, 0, nil
}

func (c *healthCall) data(p []byte, end bool) (bool, int32, error) {
	limit := grpcMaxMessage + 5
	if c.nonGRPC != nil {
		limit = nonGRPCMaxBody
	}
	c.body = append(c.body, p[:min(len(p), limit-len(c.body))]...)
	if c.nonGRPC != nil && (end || len(c.body) >= nonGRPCMaxBody) {
		return true, 0, &rpcStatus{c.nonGRPC.code, fmt.Sprintf("%s\ndata: %q", c.nonGRPC.msg, c.body)}
	}
	if len(c.body) >= limit {
		return true, 0, &rpcStatus{codes.ResourceExhausted, fmt.Sprintf("grpc: received message larger than max (%d vs. %d)", len(c.body)-5, grpcMaxMessage)}
	}
	if end { // gRPC ends a call with its trailers
		return true, 0, &rpcStatus{codes.Internal, "server closed the stream without sending trailers"}
	}
	return false, 0, nil
}

// header handles the response's headers or trailers (both at once: trailers-only).
func (c *healthCall) header(f *http2.MetaHeadersFrame) (bool, int32, error) {
	isGRPC := c.headers
	contentType := "malformed header: missing HTTP content-type"
	code, msg, httpStatus := codes.Unknown, "", ""
	for _, hf := range f.Fields {
		switch hf.Name {
		case "content-type":
			if isGRPC = grpcContentType(hf.Value); isGRPC {
				contentType = ""
			} else {
				contentType = fmt.Sprintf("transport: received unexpected content-type %q", hf.Value)
			}
		case "grpc-status":
			n, err := strconv.ParseInt(hf.Value, 10, 32)
			if err != nil {
				return true, 0, &rpcStatus{codes.Unknown, fmt.Sprintf("transport: malformed grpc-status: %v", err)}
			}
			code = codes.Code(uint32(n))
		case "grpc-message":
			msg = grpcMessage(hf.Value)
		case ":status":
			httpStatus = hf.Value
		}
	}
	if !isGRPC {
		return c.notGRPC(httpStatus, contentType, f.StreamEnded())
	}
	if !f.StreamEnded() {
		c.headers = true
		return false, 0, nil
	}
	if code != codes.OK {
		return true, 0, &rpcStatus{code, msg}
	}
	status, err := healthStatus(c.body)
	return true, status, err
}

// notGRPC is an answer that is not gRPC's: its HTTP status makes the error, with the start of
// its body when there is one.
func (c *healthCall) notGRPC(httpStatus, contentType string, end bool) (bool, int32, error) {
	code, errs := codes.Internal, []string{}
	if httpStatus == "" {
		errs = append(errs, "malformed header: missing HTTP status")
	} else {
		n, err := strconv.Atoi(httpStatus)
		if err != nil {
			return true, 0, &rpcStatus{codes.Internal, fmt.Sprintf("transport: malformed http-status: %v", err)}
		}
		if n >= 100 && n < 200 && !end {
			return false, 0, nil // informational: the answer follows
		}
		errs = append(errs, fmt.Sprintf("unexpected HTTP status code received from server: %d (%s)", n, http.StatusText(n)))
		code = httpStatusCode(n)
	}
	if contentType != "" {
		errs = append(errs, contentType)
	}
	st := &rpcStatus{code, strings.Join(errs, "; ")}
	if end {
		return true, 0, st
	}
	c.nonGRPC, c.body = st, c.body[:0]
	return false, 0, nil
}

// healthStatus decodes the one HealthCheckResponse in body (its gRPC message).
func healthStatus(body []byte) (int32, error) {
	if len(body) < 5 {
		return 0, &rpcStatus{codes.Internal, "cardinality violation: received no response message from non-server-streaming RPC"}
	}
	n := binary.BigEndian.Uint32(body[1:5])
	if body[0] != 0 {
		return 0, &rpcStatus{codes.Internal, "grpc: compressed flag set with identity or empty encoding"}
	}
	if uint64(len(body)-5) < uint64(n) {
		return 0, &rpcStatus{codes.Internal, "server closed the stream without sending trailers"}
	}
	if uint64(len(body)-5) > uint64(n) {
		return 0, &rpcStatus{codes.Internal, "cardinality violation: expected <EOF> for non server-streaming RPCs, but received another message"}
	}
	var status int32
	for b := body[5:]; len(b) > 0; {
		num, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return 0, unmarshalError(l)
		}
		b = b[l:]
		if num == 1 && typ == protowire.VarintType {
			v, m := protowire.ConsumeVarint(b)
			status, l = int32(v), m
		} else {
			l = protowire.ConsumeFieldValue(num, typ, b)
		}
		if l < 0 {
			return 0, unmarshalError(l)
		}
		b = b[l:]
	}
	return status, nil
}

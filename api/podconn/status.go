package podconn

import (
	"encoding/json"
	"net/http"
)

// maxErrorBody bounds the failure answer read (podd's are a few hundred bytes).
const maxErrorBody = 1 << 20

// StatusError is a failure answer: a metav1.Status body's code, reason and message, or for any
// other body the answer's code, no reason, and the body (or the status text) as its message.
type StatusError struct {
	Code    int32  `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

func (e *StatusError) Error() string { return e.Message }

// ErrorFromStatus reads a failure answer as a *StatusError.
func ErrorFromStatus(code int, body []byte) error {
	var st struct {
		Kind string `json:"kind"`
		StatusError
	}
	if json.Unmarshal(body, &st) == nil && st.Kind == "Status" {
		if st.Code == 0 {
			st.Code = int32(code)
		}
		return &st.StatusError
	}
	msg := string(body)
	if msg == "" {
		msg = http.StatusText(code)
	}
	return &StatusError{Code: int32(code), Reason: "Unknown", Message: msg}
}

func (c *Client) statusError(code int, body []byte) error {
	if c.StatusError != nil {
		return c.StatusError(code, body)
	}
	return ErrorFromStatus(code, body)
}

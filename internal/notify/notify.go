// Package notify posts Slack-compatible messages ({"text": ...}) to webhooks.
// Callers record a failure to notify and carry on: a notification never fails a
// promotion. A webhook's path is its secret (Slack's are), so errors name only the
// host.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	neturl "net/url"
	"time"
)

// Timeout bounds one notification.
const Timeout = 5 * time.Second

// Notifier sends messages.
type Notifier struct {
	HTTP *http.Client
}

// New returns a Notifier with a client that times out.
func New() *Notifier { return &Notifier{HTTP: &http.Client{Timeout: Timeout}} }

// Message is a Slack-compatible message.
type Message struct {
	Text string `json:"text"`
}

// Send posts m to url and returns an error unless the answer is 2xx.
func (n *Notifier) Send(ctx context.Context, url string, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.HTTP.Do(req)
	if err != nil {
		var urlErr *neturl.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // without the URL
		}
		return fmt.Errorf("notifying %s: %v", req.URL.Host, err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("notifying %s: answered %d", req.URL.Host, resp.StatusCode)
	}
	return nil
}

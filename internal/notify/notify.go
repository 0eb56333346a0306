// Package notify posts Slack-compatible messages ({"text": ...}) to webhooks.
// Callers record a failure to notify and carry on: a notification never fails a
// promotion. A webhook's path is its secret (Slack's are), so errors name only the
// host. A webhook may also be given as a secret reference (ssm:/ferry/slack-url,
// see internal/secretref), resolved to the URL each time it is sent to. Escape, PageLink and Outcome are the message parts every sender shares:
// text from users made inert, and the link to the promotion's page.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	neturl "net/url"
	"strings"
	"time"

	"github.com/ferrydev/ferry/internal/secretref"
)

// Timeout bounds one notification.
const Timeout = 5 * time.Second

// Notifier sends messages.
type Notifier struct {
	HTTP *http.Client
	// Resolve resolves a webhook given as a secret reference to its URL.
	Resolve func(ctx context.Context, ref string) ([]byte, error)
}

// New returns a Notifier with a client that times out, resolving references
// from the environment only (env:NAME).
func New() *Notifier {
	return &Notifier{HTTP: &http.Client{Timeout: Timeout}, Resolve: secretref.Resolver{}.Resolve}
}

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
	if _, _, ok := secretref.Parse(url); ok {
		resolved, err := n.Resolve(ctx, url)
		if err != nil {
			return fmt.Errorf("notifying: resolving the webhook's URL: %w", err)
		}
		url = strings.TrimSpace(string(resolved))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return errors.New("notifying: the webhook's URL does not parse") // the error would repeat it
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

// Escape makes text inert in a Slack message: &, < and > become entities, so
// names and comments from users can neither link nor mention.
func Escape(text string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(text)
}

// PageLink is the approval page's link to promotion id, from the page's base URL.
func PageLink(pageURL, id string) string {
	return strings.TrimRight(pageURL, "/") + "/#/promotions/" + neturl.PathEscape(id)
}

// Outcome is the message that says how a promotion ended: text, escaped, and a
// link to the promotion's page.
func Outcome(text, pageURL, id string) Message {
	return Message{Text: fmt.Sprintf("Ferry: %s. <%s|Details>", Escape(text), PageLink(pageURL, id))}
}

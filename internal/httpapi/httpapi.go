// Package httpapi is Ferry's HTTP API under /api, and the approval page at /, on
// one origin: a net/http handler that adapts HTTP to internal/control, its only
// way to Ferry's state, reads and changes alike. ferry local serves it directly;
// in AWS functions/api wraps it for API Gateway.
//
// Conventions:
//   - JSON in and out, in the types of internal/httpapi/wire (the contract);
//     handlers convert them to and from control's Go values. Errors are {"error": {"code", "message"}}; the code →
//     status table lives here only. Internal errors are logged and shown as
//     "internal error".
//   - Every /api route needs an identity (401 without), but GET /api/auth/config,
//     which tells the page how to sign in. GET never changes state.
//   - Request bodies are limited (MaxBody, MaxReleaseBody for releases), unknown
//     fields and trailing data are refused. A body must arrive within
//     BodyTimeout (ReleaseBodyTimeout for releases) of the handler's start, else
//     408 and the connection is closed. A release is read into one buffer of its
//     declared length and dropped once parsed (see putRelease).
//   - A release of any size goes through an upload (POST /api/uploads, a PUT
//     to the presigned URL it answers, then POST /api/releases
//     {"upload_id"}), since API Gateway and Lambda cap a request at 6 MB; a
//     release in the body of POST /api/releases is still taken, up to
//     MaxReleaseBody where the server is reached directly (ferry local).
//   - A plan is answered a page at a time (planpages.go: the bound that keeps
//     every response under Lambda's 6 MB).
//   - Lists are paginated with limit and page_token; page_token is opaque. A
//     state filter on an environment's promotions applies within each page, so a
//     page may hold fewer than limit.
//   - Immutable records (plans, release headers, the board's drifts between
//     two releases) are cached in memory, bounded.
//   - Every response carries a strict Content-Security-Policy and no-sniff. An
//     API GET's answer carries an ETag and is answered 304 when the client has
//     it already, gzipped when large (conditional.go); API answers are private,
//     revalidated on every use (no-cache) and vary by Authorization, errors and
//     changes are not stored at all. The page's files bring their own caching:
//     index.html revalidated, the rest versioned and immutable (site).
//   - A promotion's task token is never part of a response: the promotion's JSON
//     form has no field for it.
//   - An environment or policy is answered as the caller may see it: control
//     redacts the policy's secrets (webhook and deploy hook URLs, the secret
//     reference) for everyone but admins. The promotion view carries only the
//     approval rules, none of them secret.
package httpapi

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ferrydev/ferry/internal/control"
	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/identity"
	"github.com/ferrydev/ferry/internal/plan"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/store"
)

// Bounds on what a request may ask of the server (docs/security.md lists them
// all): bodies of at most MaxBody bytes, MaxReleaseBody for a release, and
// releases of at most MaxReleaseNodes nodes, the size the plan engine is measured
// at (make bench). Beyond a bound the request is refused, naming it, before the
// work is attempted.
const (
	MaxBody         = 1 << 20
	MaxReleaseBody  = 64 << 20
	MaxReleaseNodes = 100_000
)

// ContentSecurityPolicy is sent with every response: scripts, styles and data
// only from this origin, no inline script, no framing. connect lists the other
// origins the page may fetch from: the OpenID provider's, to sign in.
func ContentSecurityPolicy(connect ...string) string {
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
		strings.Join(append([]string{"connect-src 'self'"}, connect...), " ") +
		"; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// Server serves the API and the page.
type Server struct {
	Control *control.Service
	Auth    identity.Authenticator
	// Site serves the page's files at / (GET and HEAD only, with their own
	// caching and compression: site.Handler); nil serves none.
	Site http.Handler
	Log  *slog.Logger
	// OIDC is the OpenID provider the page signs in with; nil when people paste
	// a token.
	OIDC *OIDC
	// BodyTimeout and ReleaseBodyTimeout bound how long a request body, and a
	// release upload's, may take to arrive (DefaultBodyTimeout and
	// DefaultReleaseBodyTimeout when 0).
	BodyTimeout, ReleaseBodyTimeout time.Duration

	planCache   *cache[string, *pagedPlan]
	headerCache *cache[string, wire.ReleaseHeader]
	driftCache  *cache[driftKey, plan.Summary]
}

// cacheSize bounds each cache of immutable records.
const cacheSize = 256

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	s.planCache = newCache[string, *pagedPlan](cacheSize)
	s.headerCache = newCache[string, wire.ReleaseHeader](cacheSize)
	s.driftCache = newCache[driftKey, plan.Summary](cacheSize)
	mux := http.NewServeMux()
	bodyTimeout, releaseTimeout := cmp.Or(s.BodyTimeout, DefaultBodyTimeout), cmp.Or(s.ReleaseBodyTimeout, DefaultReleaseBodyTimeout)
	api := func(pattern string, h func(http.ResponseWriter, *http.Request, policy.Identity) error) {
		mux.Handle(pattern, conditional(s.authenticated(h, bodyTimeout), "private, no-cache"))
	}
	api("GET /api/me", s.me)
	mux.Handle("GET /api/auth/config", conditional(http.HandlerFunc(s.authConfig), "no-cache"))
	api("GET /api/promotions", s.listPromotions)
	api("POST /api/promotions", s.startPromotion)
	api("GET /api/promotions/{id}", s.getPromotion)
	api("GET /api/promotions/{id}/plan", s.promotionPlan)
	api("POST /api/promotions/{id}/approve", s.approve)
	api("POST /api/promotions/{id}/reject", s.reject)
	api("POST /api/promotions/{id}/cancel", s.cancel)
	api("GET /api/board", s.board)
	api("GET /api/environments", s.listEnvironments)
	api("GET /api/environments/{name}", s.getEnvironment)
	api("PUT /api/environments/{name}", s.putEnvironment)
	api("DELETE /api/environments/{name}", s.deleteEnvironment)
	api("GET /api/environments/{name}/history", s.history)
	api("GET /api/environments/{name}/plan", s.previewPlan)
	api("GET /api/environments/{name}/policy", s.getPolicy)
	api("PUT /api/environments/{name}/policy", s.putPolicy)
	api("POST /api/environments/{name}/extend", s.extend)
	api("POST /api/environments/{name}/freeze", s.freeze)
	api("POST /api/environments/{name}/unfreeze", s.unfreeze)
	api("POST /api/environments/{name}/rollback", s.rollback)
	mux.Handle("POST /api/releases", s.authenticated(s.putRelease, releaseTimeout))
	api("POST /api/uploads", s.newUpload)
	api("GET /api/releases/{id}", s.getRelease)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, fault.Errorf(fault.NotFound, "no API route %s %s", r.Method, r.URL.Path))
	})
	if s.Site != nil {
		mux.Handle("/", s.Site) // its own validators, caching and compression (site.New)
	}
	return secured(mux, ContentSecurityPolicy(s.OIDC.connectSources()...))
}

// secured adds the headers every response carries.
func secured(next http.Handler, csp string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// authenticated serves an API route: it gives the request's body bodyTimeout to
// arrive, identifies the caller, runs h and answers h's error.
func (s *Server) authenticated(h func(http.ResponseWriter, *http.Request, policy.Identity) error, bodyTimeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Vary", "Authorization")
		timedBody(w, r, bodyTimeout)
		who, err := s.Auth.Identify(r)
		if err == nil {
			err = h(w, r, who)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

// status maps error codes to HTTP statuses.
var status = map[string]int{
	fault.Invalid:      http.StatusBadRequest,
	fault.Unauthorized: http.StatusUnauthorized,
	fault.Forbidden:    http.StatusForbidden,
	fault.NotFound:     http.StatusNotFound,
	fault.Conflict:     http.StatusConflict,
	fault.Gone:         http.StatusGone,
	fault.Internal:     http.StatusInternalServerError,
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var body wire.ErrorBody
	body.Error.Code, body.Error.Message = fault.ErrorCode(err), fault.ErrorMessage(err)
	code := status[body.Error.Code]
	var tooLarge *http.MaxBytesError
	var late *BodyTimeoutError
	switch {
	case errors.As(err, &tooLarge):
		code, body.Error.Code = http.StatusRequestEntityTooLarge, fault.Invalid
		body.Error.Message = fmt.Sprintf("the request body is larger than %d bytes (%d MiB), the limit for this request", tooLarge.Limit, tooLarge.Limit>>20)
	case errors.As(err, &late):
		code, body.Error.Code, body.Error.Message = http.StatusRequestTimeout, fault.Invalid, late.Error()
		w.Header().Set("Connection", "close")
	case code == 0 || code == http.StatusInternalServerError:
		code = http.StatusInternalServerError
		s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ferry"`)
	}
	writeJSON(w, code, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	return enc.Encode(v)
}

// decode reads a JSON body of at most limit bytes into v, refusing unknown fields
// and anything after the value. Codes: invalid.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if bodyError(err) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return errEmptyBody
		}
		return fault.Errorf(fault.Invalid, "request body: %v", err)
	}
	if _, err := dec.Token(); bodyError(err) {
		return err
	} else if !errors.Is(err, io.EOF) {
		return fault.Errorf(fault.Invalid, "request body: data after the JSON object")
	}
	return nil
}

var errEmptyBody = fault.Errorf(fault.Invalid, "the request body is empty: send a JSON object")

// decodeOptional is decode for bodies that may be left out.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if err := decode(w, r, MaxBody, v); err != errEmptyBody {
		return err
	}
	return nil
}

// pageOf reads limit and page_token. Codes: invalid.
func pageOf(r *http.Request) (store.Page, error) {
	limit, err := intParam(r.URL.Query().Get("limit"), "limit", 0, 1, store.MaxLimit)
	return store.Page{Limit: limit, Token: r.URL.Query().Get("page_token")}, err
}

// me is who the caller is, for the page's sign-in.
func (s *Server) me(w http.ResponseWriter, _ *http.Request, who policy.Identity) error {
	return writeJSON(w, http.StatusOK, wire.Me{Admin: s.Control.IsAdmin(who), Groups: who.Groups, Subject: who.Subject})
}

package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ferrydev/ferry/internal/fault"
	"github.com/ferrydev/ferry/internal/httpapi/wire"
	"github.com/ferrydev/ferry/internal/policy"
	"github.com/ferrydev/ferry/internal/release"
)

// Node pages of GET /api/releases/{id}.
const (
	defaultNodes = 100
	maxNodes     = 1000
)

// putRelease stores a release sent as native JSON and returns its header.
//
// Memory: the body is read once, into a buffer of its declared length, and is no
// longer referenced once parsed, so while the store encodes the release the
// handler holds the parsed release and not the body too.
//
// A body {"upload_id": ID} instead ingests the release uploaded as ID (see
// newUpload).
func (s *Server) putRelease(w http.ResponseWriter, r *http.Request, _ policy.Identity) error {
	data, err := readAll(w, r, MaxReleaseBody)
	if err != nil {
		return err
	}
	var rel *release.Release
	var created bool
	if id, ok := uploadIDOf(data); ok {
		rel, created, err = s.Control.IngestUpload(r.Context(), id)
	} else if rel, err = parseRelease(data); err == nil {
		created, err = s.Control.PutRelease(r.Context(), rel)
	}
	if err != nil {
		return err
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	return writeJSON(w, code, headerOf(rel.ID(), rel))
}

// uploadIDOf returns the upload a body {"upload_id": ID} names, strictly that.
func uploadIDOf(data []byte) (string, bool) {
	if len(data) > 1024 {
		return "", false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var req wire.IngestRequest
	if dec.Decode(&req) != nil || req.UploadID == "" || dec.More() {
		return "", false
	}
	return req.UploadID, true
}

// newUpload answers where to PUT a release: a presigned URL, valid for
// control.UploadTTL.
func (s *Server) newUpload(w http.ResponseWriter, r *http.Request, _ policy.Identity) error {
	var req struct{}
	if err := decodeOptional(w, r, &req); err != nil {
		return err
	}
	u, err := s.Control.NewUpload(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, wire.UploadView{UploadID: u.ID, URL: u.URL, Method: http.MethodPut, Expires: u.Expires})
}

// parseRelease parses the release in a body, of at most MaxReleaseNodes nodes.
// Codes: invalid.
func parseRelease(data []byte) (*release.Release, error) {
	rel, err := release.ParseJSON("request body", data)
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "%v", err)
	}
	if len(rel.Nodes) > MaxReleaseNodes {
		return nil, fault.Errorf(fault.Invalid, "the release has %d nodes, more than the server's limit of %d nodes per release",
			len(rel.Nodes), MaxReleaseNodes)
	}
	return rel, nil
}

// getRelease returns a release with a page of its nodes: ?q= keeps the nodes
// whose name contains it (case-insensitive); offset and limit page through them.
// ?node=NAME, repeated for at most maxExactNodes names, answers those nodes
// instead (exactNodes).
func (s *Server) getRelease(w http.ResponseWriter, r *http.Request, _ policy.Identity) error {
	q := r.URL.Query()
	if q.Has("node") {
		return s.exactNodes(w, r)
	}
	offset, err := intParam(q.Get("offset"), "offset", 0, 0, 1<<31)
	if err != nil {
		return err
	}
	limit, err := intParam(q.Get("limit"), "limit", defaultNodes, 1, maxNodes)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	rel, err := s.Control.Release(r.Context(), id)
	if err != nil {
		return err
	}
	view := wire.ReleaseView{ReleaseHeader: headerOf(id, rel), Nodes: []release.Node{}}
	needle := strings.ToLower(q.Get("q"))
	for _, n := range rel.Nodes {
		if needle != "" && !strings.Contains(strings.ToLower(n.Name), needle) {
			continue
		}
		if view.Matched >= offset && len(view.Nodes) < limit {
			view.Nodes = append(view.Nodes, n)
		}
		view.Matched++
	}
	if end := offset + len(view.Nodes); end < view.Matched {
		view.NextOffset = end
	}
	return writeJSON(w, http.StatusOK, view)
}

// intParam reads an optional integer query parameter within [lo, hi].
func intParam(v, name string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fault.Errorf(fault.Invalid, "%s: %q is not a number from %d to %d", name, v, lo, hi)
	}
	return n, nil
}

// Bounds of an exact-node answer: at most maxExactNodes names, and a node
// whose JSON is larger than maxExactNodeBytes comes without its spec and
// metadata (and, if that is not enough, its columns and dependencies too),
// named in trimmed, so an answer's nodes take at most 2.5 MiB (API Gateway
// allows 6 MB) whatever they hold.
const (
	maxExactNodes     = 10
	maxExactNodeBytes = 256 << 10
)

// exactNodes answers the nodes named by ?node=, those the release holds, in
// the order asked: how the plan page shows a node's content, and its values
// before and after. Codes: invalid, not_found.
func (s *Server) exactNodes(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	names := q["node"]
	if len(names) > maxExactNodes {
		return fault.Errorf(fault.Invalid, "node: %d names, more than the %d one request may ask for", len(names), maxExactNodes)
	}
	if q.Has("q") || q.Has("offset") || q.Has("limit") {
		return fault.Errorf(fault.Invalid, "node takes no q, offset or limit")
	}
	id := r.PathValue("id")
	rel, err := s.Control.Release(r.Context(), id)
	if err != nil {
		return err
	}
	view := wire.ReleaseView{ReleaseHeader: headerOf(id, rel), Nodes: []release.Node{}}
	for _, name := range names {
		i, found := slices.BinarySearchFunc(rel.Nodes, name, func(n release.Node, name string) int { return strings.Compare(n.Name, name) })
		if !found {
			continue
		}
		n := rel.Nodes[i]
		if encodedSize(n) > maxExactNodeBytes {
			n.Spec, n.Metadata = nil, nil
			if encodedSize(n) > maxExactNodeBytes {
				n.Columns, n.DependsOn = nil, nil
			}
			view.Trimmed = append(view.Trimmed, n.Name)
		}
		view.Nodes = append(view.Nodes, n)
	}
	view.Matched = len(view.Nodes)
	return writeJSON(w, http.StatusOK, view)
}

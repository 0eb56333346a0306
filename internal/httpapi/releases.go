package httpapi

import (
	"net/http"
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
func (s *Server) putRelease(w http.ResponseWriter, r *http.Request, _ policy.Identity) error {
	rel, err := parseRelease(w, r)
	if err != nil {
		return err
	}
	created, err := s.Control.PutRelease(r.Context(), rel)
	if err != nil {
		return err
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	return writeJSON(w, code, headerOf(rel.ID(), rel))
}

// parseRelease reads and parses the release in r's body, of at most
// MaxReleaseBody bytes and MaxReleaseNodes nodes. Codes: invalid.
func parseRelease(w http.ResponseWriter, r *http.Request) (*release.Release, error) {
	data, err := readAll(w, r, MaxReleaseBody)
	if err != nil {
		return nil, err
	}
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
func (s *Server) getRelease(w http.ResponseWriter, r *http.Request, _ policy.Identity) error {
	q := r.URL.Query()
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

package control

import (
	"context"

	"github.com/ferrydev/ferry/internal/release"
)

// PutRelease stores a parsed and validated release unless it is stored already,
// and reports whether it stored it. Releases are addressed by their content, so
// uploading one twice is a no-op. Codes: invalid.
func (s *Service) PutRelease(ctx context.Context, rel *release.Release) (bool, error) {
	exists, err := s.Store.ReleaseExists(ctx, rel.ID())
	if err != nil || exists {
		return false, err
	}
	return true, s.Store.PutRelease(ctx, rel)
}

// Release returns a stored release. Codes: not_found.
func (s *Service) Release(ctx context.Context, id string) (*release.Release, error) {
	return s.Store.GetRelease(ctx, id)
}

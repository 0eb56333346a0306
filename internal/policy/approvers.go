package policy

import (
	"slices"
	"strings"
)

// Identity is an authenticated caller: a subject and the groups it belongs to.
type Identity struct {
	Subject string   `json:"subject"`
	Groups  []string `json:"groups,omitempty"`
}

// In reports whether who is named in list, directly or through a "group:NAME"
// entry.
func (who Identity) In(list []string) bool {
	for _, entry := range list {
		if group, ok := strings.CutPrefix(entry, "group:"); ok {
			if slices.Contains(who.Groups, group) {
				return true
			}
		} else if entry == who.Subject {
			return true
		}
	}
	return false
}

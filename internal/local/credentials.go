package local

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CredentialsFile is the name, in the data directory, of the file that keeps the
// Step Functions API's credentials.
const CredentialsFile = "sfn-credentials.json"

// accessKeyPrefix starts every access key id ferry local makes, so that one is
// recognisable where it turns up.
const accessKeyPrefix = "AKIAFERRYLOCAL"

// Credentials are the access key the Step Functions API under /sfn accepts
// requests signed with (SigV4, service "states", any region).
type Credentials struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
}

// loadCredentials reads the data directory's credentials, making and writing new
// ones (readable by the owner only) on its first start. A file others may read is
// refused rather than used.
func loadCredentials(dir string) (Credentials, error) {
	path := filepath.Join(dir, CredentialsFile)
	var c Credentials
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return writeCredentials(path)
	case err != nil:
		return c, fmt.Errorf("reading the Step Functions credentials: %w", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return c, fmt.Errorf("reading the Step Functions credentials: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return c, fmt.Errorf("%s may be read by others (mode %04o): make it the owner's only (chmod 600) or delete it for new credentials",
			path, info.Mode().Perm())
	}
	if err := json.Unmarshal(data, &c); err != nil || c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return c, fmt.Errorf("%s does not hold an access_key_id and a secret_access_key: delete it for new credentials", path)
	}
	return c, nil
}

func writeCredentials(path string) (Credentials, error) {
	c := Credentials{AccessKeyID: accessKeyPrefix + randomText(20-len(accessKeyPrefix), upperAlnum),
		SecretAccessKey: randomText(40, upperAlnum+strings.ToLower(upperAlnum[:26]))}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return c, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return c, fmt.Errorf("writing the Step Functions credentials: %w", err)
	}
	// O_EXCL: never overwrite credentials another process wrote meanwhile.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return c, fmt.Errorf("writing the Step Functions credentials: %w", err)
	}
	_, err = f.Write(append(data, '\n'))
	if err = errors.Join(err, f.Close()); err != nil {
		return c, fmt.Errorf("writing the Step Functions credentials: %w", err)
	}
	return c, nil
}

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomText is n characters drawn uniformly from alphabet with crypto/rand.
func randomText(n int, alphabet string) string {
	out := make([]byte, 0, n)
	buf := make([]byte, 1)
	limit := 256 - 256%len(alphabet) // reject bytes past the last whole round, so each character is equally likely
	for len(out) < n {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails
		if int(buf[0]) < limit {
			out = append(out, alphabet[int(buf[0])%len(alphabet)])
		}
	}
	return string(out)
}

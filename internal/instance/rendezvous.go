package instance

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"dialtone/internal/regularfile"
)

// tokenSize is the size of the shared secret in bytes (256 bits).
const tokenSize = 32

// maxRendezvousSize bounds how much of the rendezvous file is read.
const maxRendezvousSize = 4 << 10

// rendezvous is what the file beside the running instance holds: the
// loopback port it listens on and the token both sides prove they know.
type rendezvous struct {
	Port  int    `json:"port"`
	Token string `json:"token"` // hex
}

// readRendezvous reads and checks the file at path. Any problem with it —
// missing, unreadable, damaged — is a *staleError: the file names no
// instance that can be reached, and the caller may take over.
func readRendezvous(path string) (port int, token []byte, err error) {
	data, err := readLimited(path, maxRendezvousSize)
	if err != nil {
		return 0, nil, &staleError{fmt.Errorf("instance: no usable rendezvous file: %w", err)}
	}
	var r rendezvous
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return 0, nil, &staleError{fmt.Errorf("instance: the rendezvous file is damaged: %w", err)}
	}
	token, err = hex.DecodeString(r.Token)
	if err != nil || len(token) != tokenSize || r.Port < 1 || r.Port > 65535 {
		return 0, nil, &staleError{errors.New("instance: the rendezvous file holds no valid port and token")}
	}
	return r.Port, token, nil
}

// readLimited reads path, up to limit bytes. Only a regular file is read;
// anything else (a FIFO would block the open) is refused at once.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := regularfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, err
}

// writeRendezvous writes the file at path atomically (a temporary file in
// the same folder, synced, then renamed over it) with mode 0600.
func writeRendezvous(path string, port int, token []byte) error {
	data, err := json.Marshal(rendezvous{Port: port, Token: hex.EncodeToString(token)})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".instance-*")
	if err != nil {
		return fmt.Errorf("instance: could not write the rendezvous file: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	err = errors.Join(tmp.Chmod(0o600), write(tmp, data), tmp.Sync(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("instance: could not write the rendezvous file: %w", err)
	}
	return nil
}

func write(f *os.File, data []byte) error {
	_, err := f.Write(data)
	return err
}

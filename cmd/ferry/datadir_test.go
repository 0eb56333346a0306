package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// ferryBinary builds the ferry command into a temporary directory.
func ferryBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ferry")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building ferry: %v\n%s", err, out)
	}
	return bin
}

// running is a ferry local process that has said it is ready.
type running struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
}

// startBinary runs the ferry binary's local command on the data directory .ferry of dir until it says
// it is ready.
func startBinary(t *testing.T, bin, dir string) *running {
	t.Helper()
	cmd := exec.Command(bin, "local", "--data", ".ferry", "--addr", "127.0.0.1:0")
	cmd.Dir = dir
	r := &running{cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stderr = r.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	ready := make(chan bool, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if lines.Text() == "Press Ctrl-C to stop." {
				ready <- true
				io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- false
	}()
	if !<-ready {
		cmd.Wait()
		t.Fatalf("ferry local did not start: %s", r.stderr.String())
	}
	return r
}

// stop stops it as Ctrl-C does and wants a clean exit.
func (r *running) stop(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Wait(); err != nil {
		t.Fatalf("ferry local: %v; stderr %s", err, r.stderr.String())
	}
}

// refused runs ferry local on the data directory .ferry of dir and wants it to
// exit 1 with one line on stderr matching want, nothing on stdout. One that runs
// instead is stopped after a minute.
func refused(t *testing.T, bin, dir string, want *regexp.Regexp) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "local", "--data", ".ferry", "--addr", "127.0.0.1:0")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != exitError {
		t.Fatalf("ferry local: %v, want exit %d; stderr %s", err, exitError, stderr.String())
	}
	if stdout.Len() != 0 || strings.Count(stderr.String(), "\n") != 1 || !want.MatchString(stderr.String()) {
		t.Errorf("stdout %q\nstderr %q\nwant   %s", stdout.String(), stderr.String(), want)
	}
}

// pagesInUse reads a bbolt file's page size and the bytes its pages in use
// span, from its newer header page.
func pagesInUse(file []byte) (pageSize, inUse int64) {
	e := binary.NativeEndian
	pageSize = int64(e.Uint32(file[16+8:]))
	meta := func(page int64) (txid, pages uint64) {
		m := file[page*pageSize+16:]
		return e.Uint64(m[48:]), e.Uint64(m[40:])
	}
	tx0, pages0 := meta(0)
	tx1, pages1 := meta(1)
	if tx1 > tx0 {
		pages0 = pages1
	}
	return pageSize, int64(pages0) * pageSize
}

// TestLocalDataDirectory runs the ferry binary as a user would: a second
// ferry local on a directory in use is told which process holds it, a killed
// holder blocks nothing, and emptied, missing and damaged store and journal
// files are refused with one line naming the file and what to do.
func TestLocalDataDirectory(t *testing.T) {
	bin := ferryBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, ".ferry")
	advice := `: restore it from a backup, or start with a new data directory \(--data DIR\)\n$`

	first := startBinary(t, bin, dir)
	refused(t, bin, dir, regexp.MustCompile(fmt.Sprintf(
		`^ferry local: the data directory \.ferry is in use by process %d \(started \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\): stop it or choose another --data\n$`,
		first.cmd.Process.Pid)))
	if err := first.cmd.Process.Kill(); err != nil { // kill -9
		t.Fatal(err)
	}
	first.cmd.Wait()
	startBinary(t, bin, dir).stop(t)

	store, journal := filepath.Join(data, "ferry.db"), filepath.Join(data, "stepfn.db")
	saved := map[string][]byte{}
	for _, f := range []string{store, journal} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		saved[f] = b
	}
	restore := func() {
		t.Helper()
		for f, b := range saved {
			if err := os.WriteFile(f, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}

	t.Run("emptied and missing", func(t *testing.T) {
		for _, tc := range []struct{ file, what string }{{"ferry.db", "store file"}, {"stepfn.db", "journal file"}} {
			path := filepath.Join(data, tc.file)
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
			refused(t, bin, dir, regexp.MustCompile(`^ferry local: the `+tc.what+` \.ferry/`+regexp.QuoteMeta(tc.file)+
				` is empty, but this data directory has used it \(ferry-data\.json lists it\)`+advice))
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			refused(t, bin, dir, regexp.MustCompile(`^ferry local: the `+tc.what+` \.ferry/`+regexp.QuoteMeta(tc.file)+` is missing, but`))
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("%s was recreated: %v", tc.file, err)
			}
			restore()
		}
	})

	t.Run("truncated", func(t *testing.T) {
		size := int64(len(saved[store]))
		pageSize, inUse := pagesInUse(saved[store])
		for _, cut := range []int64{pageSize, inUse / pageSize / 2 * pageSize, inUse - pageSize, size - 1} {
			if err := os.Truncate(store, cut); err != nil {
				t.Fatal(err)
			}
			refused(t, bin, dir, regexp.MustCompile(`^ferry local: the store file \.ferry/ferry\.db is damaged \([^\n]+\)`+advice))
			restore()
		}
	})

	t.Run("header pages", func(t *testing.T) {
		f, err := os.OpenFile(journal, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		pageSize, _ := pagesInUse(saved[journal])
		for _, off := range []int64{16, pageSize + 16} { // the magic number of each header page
			if _, err := f.WriteAt([]byte{0, 0}, off); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
		refused(t, bin, dir, regexp.MustCompile(
			`^ferry local: the journal file \.ferry/stepfn\.db is damaged \(neither of its two header pages is valid: the first is not a bbolt file, the second not a bbolt file\)`+advice))
		restore()
	})

	startBinary(t, bin, dir).stop(t)
}

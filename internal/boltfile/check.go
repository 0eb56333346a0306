package boltfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
)

// The parts of bbolt's file format (version 2) the checks read. Pages and headers
// are written in the machine's byte order.
const (
	pageHeaderSize = 16 // page id (8), flags (2), count (2), overflow (4)
	metaSize       = 64 // magic, version, page size, flags (4 each); root, sequence, free list, high water mark, txid, checksum (8 each)
	summedSize     = 56 // the checksum covers the meta up to the checksum itself
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	noFreelist     = ^uint64(0)
	minPageSize    = 1024 // the smallest page size bbolt looks for
	maxPageSize    = 1 << 24
	metaPages      = 2 // pages 0 and 1 are the two headers

	branchPage   = 0x01
	leafPage     = 0x02
	freelistPage = 0x10
)

// meta is a header page's meta record.
type meta struct {
	magic, version, pageSize   uint32
	root, freelist, pgid, txid uint64
	checksum, sum              uint64
}

// problem is why a header page is not valid, or "" when it is.
func (m meta) problem() string {
	switch {
	case m.magic != boltMagic:
		return "not a bbolt file"
	case m.version != boltVersion:
		return fmt.Sprintf("bbolt format version %d, not %d", m.version, boltVersion)
	case m.checksum != m.sum:
		return "checksum mismatch"
	}
	return ""
}

// pageHeader is the start of a page.
type pageHeader struct {
	id    uint64
	flags uint16
	count uint16
}

// file reads the parts of a bbolt file the checks need.
type file struct {
	r    io.ReaderAt
	size int64
}

// read reads n bytes at off, or says why it cannot.
func (f file) read(off int64, n int) ([]byte, error) {
	if off < 0 || off+int64(n) > f.size {
		return nil, io.ErrUnexpectedEOF
	}
	buf := make([]byte, n)
	if _, err := f.r.ReadAt(buf, off); err != nil {
		return nil, err
	}
	return buf, nil
}

// meta reads the header page at off.
func (f file) meta(off int64) (meta, error) {
	buf, err := f.read(off, pageHeaderSize+metaSize)
	if err != nil {
		return meta{}, err
	}
	b := buf[pageHeaderSize:]
	h := fnv.New64a()
	h.Write(b[:summedSize])
	e := binary.NativeEndian
	return meta{magic: e.Uint32(b[0:]), version: e.Uint32(b[4:]), pageSize: e.Uint32(b[8:]),
		root: e.Uint64(b[16:]), freelist: e.Uint64(b[32:]), pgid: e.Uint64(b[40:]), txid: e.Uint64(b[48:]),
		checksum: e.Uint64(b[56:]), sum: h.Sum64()}, nil
}

// page reads the header of page id.
func (f file) page(id uint64, pageSize int64) (pageHeader, error) {
	buf, err := f.read(int64(id)*pageSize, pageHeaderSize)
	if err != nil {
		return pageHeader{}, err
	}
	e := binary.NativeEndian
	return pageHeader{id: e.Uint64(buf[0:]), flags: e.Uint16(buf[8:]), count: e.Uint16(buf[10:])}, nil
}

// check says what is wrong with the bbolt file at path, "" when nothing is or
// when there is no file or it is empty (bbolt creates one). The error is for a
// file that cannot be read at all.
func check(path string) (string, error) {
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return "", err
	}
	if info.Size() == 0 {
		return "", nil
	}
	f := file{r: fh, size: info.Size()}
	m, pageSize, reason := f.newestMeta()
	if reason != "" {
		return reason, nil
	}
	return f.checkPages(m, pageSize), nil
}

// newestMeta finds the page size and the header bbolt will use: the valid one
// with the higher transaction id.
func (f file) newestMeta() (meta, int64, string) {
	m0, err := f.meta(0)
	first := describe(m0, err)
	pageSize := int64(m0.pageSize)
	if first != "" {
		// bbolt looks for the second header at every page size it supports.
		pageSize = 0
		for ps := int64(minPageSize); ps <= maxPageSize && ps+pageHeaderSize+metaSize <= f.size; ps <<= 1 {
			if m, err := f.meta(ps); err == nil && m.problem() == "" {
				pageSize = int64(m.pageSize)
				break
			}
		}
		if pageSize == 0 {
			if f.size < 2*minPageSize {
				return meta{}, 0, fmt.Sprintf("it is %d bytes long, too short for its two header pages", f.size)
			}
			// Where the second would be with this machine's page size, as bbolt
			// creates files.
			m1, err := f.meta(int64(os.Getpagesize()))
			return meta{}, 0, fmt.Sprintf("neither of its two header pages is valid: the first is %s, the second %s", first, describe(m1, err))
		}
	}
	if pageSize < minPageSize || pageSize > maxPageSize || pageSize&(pageSize-1) != 0 {
		return meta{}, 0, fmt.Sprintf("its header gives an impossible page size, %d", pageSize)
	}
	m1, err := f.meta(pageSize)
	second := describe(m1, err)
	switch {
	case first != "" && second != "":
		return meta{}, 0, fmt.Sprintf("neither of its two header pages is valid: the first is %s, the second %s", first, second)
	case first != "":
		return m1, pageSize, ""
	case second != "" || m0.txid >= m1.txid:
		return m0, pageSize, ""
	}
	return m1, pageSize, ""
}

// describe says why a header page read with err is not valid, "" when it is.
func describe(m meta, err error) string {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "cut off"
	case err != nil:
		return "unreadable: " + err.Error()
	}
	return m.problem()
}

// checkPages checks, against header m, the file's size and the pages bbolt reads
// when it opens the file: the root and the free list.
func (f file) checkPages(m meta, pageSize int64) string {
	if f.size%pageSize != 0 {
		return fmt.Sprintf("it is %d bytes long, not a whole number of %d-byte pages", f.size, pageSize)
	}
	if m.pgid < metaPages+2 || m.pgid > uint64(f.size/pageSize) {
		return fmt.Sprintf("it is %d bytes long, but its header counts %d pages of %d bytes: it was cut short", f.size, m.pgid, pageSize)
	}
	if m.root < metaPages || m.root >= m.pgid {
		return fmt.Sprintf("its root page, %d, is out of range", m.root)
	}
	if p, err := f.page(m.root, pageSize); err != nil || p.id != m.root || (p.flags != leafPage && p.flags != branchPage) {
		return fmt.Sprintf("its root page, %d, is not a tree page", m.root)
	}
	if m.freelist == noFreelist {
		return ""
	}
	if m.freelist < metaPages || m.freelist >= m.pgid {
		return fmt.Sprintf("its free-page list, page %d, is out of range", m.freelist)
	}
	return f.checkFreelist(m, pageSize)
}

// checkFreelist checks that the free-page list lies within the pages in use and
// names only pages in use other than the headers.
func (f file) checkFreelist(m meta, pageSize int64) string {
	p, err := f.page(m.freelist, pageSize)
	if err != nil || p.id != m.freelist || p.flags != freelistPage {
		return fmt.Sprintf("its free-page list, page %d, is not a free-page list", m.freelist)
	}
	start := int64(m.freelist)*pageSize + pageHeaderSize
	count := uint64(p.count)
	if p.count == 0xFFFF { // the count is the list's first element
		buf, err := f.read(start, 8)
		if err != nil {
			return "its free-page list is cut off"
		}
		count = binary.NativeEndian.Uint64(buf)
		start += 8
	}
	end := int64(m.pgid) * pageSize
	if count > uint64(end-start)/8 {
		return fmt.Sprintf("its free-page list, page %d, runs past the last page in use", m.freelist)
	}
	buf, err := f.read(start, int(count)*8)
	if err != nil {
		return "its free-page list is cut off"
	}
	for i := range int(count) {
		if id := binary.NativeEndian.Uint64(buf[i*8:]); id < metaPages || id >= m.pgid {
			return fmt.Sprintf("its free-page list names page %d, out of range", id)
		}
	}
	return ""
}

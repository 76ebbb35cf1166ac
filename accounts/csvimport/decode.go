package csvimport

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"

	"github.com/tournee/tournee/accounts"
)

// Encodings that Options.Encoding accepts; "" or "auto" detects.
const (
	UTF8        = "utf-8"
	Windows1252 = "windows-1252"
	ISO88591    = "iso-8859-1"
	ISO885915   = "iso-8859-15"
)

var encodingNames = map[string]string{
	"": "", "auto": "",
	"utf-8": UTF8, "utf8": UTF8,
	"windows-1252": Windows1252, "cp1252": Windows1252, "win1252": Windows1252,
	"iso-8859-1": ISO88591, "latin1": ISO88591, "latin-1": ISO88591,
	"iso-8859-15": ISO885915, "latin9": ISO885915, "latin-9": ISO885915,
}

var charmaps = map[string]*charmap.Charmap{
	Windows1252: charmap.Windows1252,
	ISO88591:    charmap.ISO8859_1,
	ISO885915:   charmap.ISO8859_15,
}

var bom = []byte("\xef\xbb\xbf")

// sniffSize is how much of a file that cannot be rewound is looked at to
// guess its encoding and separator.
const sniffSize = 1 << 20

// input is a file being read as UTF-8 text.
type input struct {
	text     *bufio.Reader // UTF-8, without BOM
	encoding string
	size     int64 // bytes, -1 when unknown
	read     *countingReader
}

// open prepares r for reading as UTF-8. With enc empty it picks UTF-8 when
// the file starts with a byte-order mark or is valid UTF-8 throughout, and
// Windows-1252 (what Excel writes on a French Windows) otherwise. When r can
// seek (a file), the whole of it is checked, then rewound; otherwise only
// its first megabyte is.
func open(r io.Reader, enc string) (*input, error) {
	in := &input{size: -1}
	if s, ok := r.(io.Seeker); ok {
		start, err := s.Seek(0, io.SeekCurrent)
		if err == nil {
			end, err := s.Seek(0, io.SeekEnd)
			if err != nil {
				return nil, err
			}
			in.size = end - start
			if enc == "" {
				if _, err := s.Seek(start, io.SeekStart); err != nil {
					return nil, err
				}
				_, err := io.Copy(io.Discard, transform.NewReader(r, encoding.UTF8Validator))
				switch {
				case errors.Is(err, encoding.ErrInvalidUTF8):
					enc = Windows1252
				case err != nil:
					return nil, err
				default:
					enc = UTF8
				}
			}
			if _, err := s.Seek(start, io.SeekStart); err != nil {
				return nil, err
			}
		}
	}
	in.read = &countingReader{r: r}
	br := bufio.NewReaderSize(in.read, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	if bytes.HasPrefix(head, []byte("\xff\xfe")) || bytes.HasPrefix(head, []byte("\xfe\xff")) {
		// Excel's "Unicode text": its bytes would decode to nonsense.
		return nil, fmt.Errorf("%w: the file is UTF-16; save it as CSV (UTF-8 or Windows-1252)", accounts.ErrInvalid)
	}
	if bytes.HasPrefix(head, bom) {
		br.Discard(len(bom))
		if enc == "" {
			enc = UTF8 // the mark says so, whatever follows
		}
	}
	if enc == "" {
		enc = Windows1252
		if validPrefix(head, len(head) == sniffSize) {
			enc = UTF8
		}
	}
	in.encoding = enc
	if cm := charmaps[enc]; cm != nil {
		in.text = bufio.NewReaderSize(transform.NewReader(br, cm.NewDecoder()), 64<<10)
	} else {
		in.text = br
	}
	return in, nil
}

// validPrefix reports whether b is valid UTF-8, allowing it to end in the
// middle of a character when it was cut from a longer file.
func validPrefix(b []byte, cut bool) bool {
	if cut {
		for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
			if utf8.Valid(b) {
				return true
			}
			b = b[:len(b)-1]
		}
	}
	return utf8.Valid(b)
}

// sniffSep picks, among ';', ',' and tab, the one found most often outside
// quotes in the first line of text; ';' wins ties, as French Excel writes it.
// A file with a single column gets ','.
func sniffSep(text *bufio.Reader) rune {
	head, _ := text.Peek(64 << 10)
	counts := map[byte]int{}
	quoted := false
	for _, c := range head {
		if c == '"' {
			quoted = !quoted
		}
		if quoted {
			continue
		}
		if c == '\n' {
			break
		}
		counts[c]++
	}
	best := ','
	n := 0
	for _, c := range []byte{';', ',', '\t'} {
		if counts[c] > n {
			best, n = rune(c), counts[c]
		}
	}
	return best
}

func checkSep(sep rune) error {
	switch sep {
	case 0, ';', ',', '\t', '|':
		return nil
	}
	return fmt.Errorf("%w: separator must be ';', ',', '|' or tab, not %q", accounts.ErrInvalid, sep)
}

// countingReader counts the bytes read from the file, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

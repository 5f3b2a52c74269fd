package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// ReadCSV reads a comma-separated task list. The text may be UTF-8, with or
// without a byte-order mark, or, when it is not valid UTF-8, GB18030/GBK as
// saved by a Chinese Excel. Quoting follows RFC 4180 leniently: a stray
// quote inside a field is kept as text.
func ReadCSV(r io.Reader, opt Options) (*TaskList, error) {
	data, err := readAllLimited(r)
	if err != nil {
		return nil, err
	}
	text, err := decodeCSVText(data)
	if err != nil {
		return nil, err
	}
	tbl, err := csvTable(text)
	if err != nil {
		return nil, err
	}
	return parseTable(tbl, opt, nil)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func decodeCSVText(data []byte) (string, error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return "", fmt.Errorf("%w: the CSV file is UTF-16 text; save it as \"CSV UTF-8\" or plain CSV", ErrUnsupportedFormat)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if utf8.Valid(data) {
		return string(data), nil
	}
	dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return "", fmt.Errorf("%w: the CSV file is neither UTF-8 nor GB18030 text", ErrMalformed)
	}
	// Bytes that are not GB18030 either come out as U+FFFD; make sure the
	// result is valid UTF-8 whatever happened.
	return strings.ToValidUTF8(string(dec), "\uFFFD"), nil
}

// csvTable splits CSV text into rows numbered as a spreadsheet program
// shows them: blank lines count as rows, and a record whose quoted cell
// spans several lines is still one row.
func csvTable(text string) (*table, error) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	tbl := &table{}
	row, endLine, cellCount := 0, 0, 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%w: CSV syntax error on line %d: %v", ErrMalformed, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("%w: CSV: %v", ErrMalformed, err)
		}
		startLine, _ := cr.FieldPos(0)
		if gap := startLine - endLine - 1; gap > 0 {
			row += gap // blank lines the CSV reader skipped
		}
		row++
		last := len(rec) - 1
		lastLine, _ := cr.FieldPos(last)
		endLine = lastLine + strings.Count(rec[last], "\n")
		if row > MaxRows {
			if isBlankRecord(rec) {
				continue
			}
			return nil, fmt.Errorf("%w: data on row %d, the limit is %d", ErrTooManyRows, row, MaxRows)
		}
		if isBlankRecord(rec) {
			continue
		}
		if len(rec) > maxColumns {
			rec = rec[:maxColumns]
		}
		if cellCount += len(rec); cellCount > maxCells {
			return nil, fmt.Errorf("%w: over %d cells", ErrFileTooLarge, maxCells)
		}
		cells := make([]cell, len(rec))
		for i, s := range rec {
			// Before cleaning: the quote protects a leading tab or CR that
			// cleaning would turn into space.
			cells[i] = cell{text: unquoteCSVCell(s)}
		}
		tbl.rows = append(tbl.rows, sheetRow{num: row, cells: cells})
	}
	return tbl, nil
}

func isBlankRecord(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// QuoteCSVCell writes a quote before text a spreadsheet would run as a
// formula when it opens the CSV file (OWASP's CSV injection rule: a cell
// starting with = + - @, tab or carriage return). Text that already starts
// with quotes before such a character gets one more, so that ReadCSV's
// unquoting gives back exactly the text written, quotes included.
func QuoteCSVCell(s string) string {
	if formulaLike(s) {
		return "'" + s
	}
	return s
}

// unquoteCSVCell undoes QuoteCSVCell; a quote before anything else is text.
func unquoteCSVCell(s string) string {
	if strings.HasPrefix(s, "'") && formulaLike(s) {
		return s[1:]
	}
	return s
}

// formulaLike tells whether s, past any leading quotes, starts with a
// character that makes a spreadsheet read the cell as a formula.
func formulaLike(s string) bool {
	s = strings.TrimLeft(s, "'")
	return s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0]))
}

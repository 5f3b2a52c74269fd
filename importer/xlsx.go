package importer

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Limits beyond MaxFileSize and MaxRows.
const (
	// maxUnzipped caps the total size of the unpacked workbook parts: the
	// ledger sheet of 100,000 milestones unpacks to about 104 MiB.
	maxUnzipped = 256 << 20
	// inMemoryXML is the largest sheet kept in memory while reading; a
	// larger one is unpacked to a temporary file, so that memory stays
	// bounded whatever the workbook's size.
	inMemoryXML = 16 << 20
	// maxCells caps the cells of the sheet read, counting the gaps up to the
	// last filled cell of each row (a hostile file could otherwise put one
	// cell far to the right on every row); for CSV, the fields of non-blank
	// records.
	maxCells = 4_000_000
	// maxMerges caps the merged ranges of the sheet read.
	maxMerges = 100_000
	// maxColumns: columns to the right of this are not read (also CSV).
	maxColumns = 1000
)

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// ReadXLSX reads a task list from an Excel workbook: the first sheet, or
// the sheet named by opt.Sheet. Merged cells count as if the top-left value
// were typed in every cell of the range. A due date may be a date cell (its
// serial number is converted, in the workbook's 1900 or 1904 date system)
// or text; any other cell is read as its stored value, without number
// formatting (a number cell 2.0 reads 2).
func ReadXLSX(r io.Reader, opt Options) (*TaskList, error) {
	data, err := readAllLimited(r)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(data, oleMagic) {
		return nil, fmt.Errorf("%w: this is an old-style .xls or a password-protected workbook; save it as .xlsx without a password", ErrUnsupportedFormat)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: not an .xlsx workbook (%v)", ErrMalformed, err)
	}
	var unzipped uint64
	for _, f := range zr.File {
		unzipped += f.UncompressedSize64
		if unzipped > maxUnzipped {
			return nil, fmt.Errorf("%w: the workbook unpacks to over %d MiB", ErrFileTooLarge, maxUnzipped>>20)
		}
	}
	sheets, err := sheetPaths(zr)
	if err != nil {
		return nil, err
	}
	sheet, err := pickSheet(sheets, opt.Sheet)
	if err != nil {
		return nil, err
	}
	scan, err := scanSheet(zr, sheet.path)
	if err != nil {
		return nil, err
	}
	tbl, err := readSheetValues(data, sheet.name, scan)
	if err != nil {
		return nil, err
	}
	return parseTable(tbl, opt, scan.merges)
}

// readSheetValues reads the cell values with excelize. The library is
// given only a file that scanSheet has found to be within the limits; a
// panic inside it is still turned into an error.
func readSheetValues(data []byte, sheet string, scan *sheetScan) (tbl *table, err error) {
	defer func() {
		if p := recover(); p != nil {
			tbl, err = nil, fmt.Errorf("%w: cannot read the workbook (%v)", ErrMalformed, p)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    maxUnzipped,
		UnzipXMLSizeLimit: inMemoryXML,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: cannot open the workbook (%v)", ErrMalformed, err)
	}
	defer func() { _ = f.Close() }()
	tbl = &table{}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		tbl.date1904 = *props.Date1904
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot read sheet %q (%v)", ErrMalformed, sheet, err)
	}
	defer func() { _ = rows.Close() }()
	num := 0
	for rows.Next() {
		num++
		vals, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("%w: sheet %q, row %d: %v", ErrMalformed, sheet, num, err)
		}
		if num > MaxRows {
			if isBlankRecord(vals) {
				continue
			}
			return nil, fmt.Errorf("%w: data on row %d, the limit is %d", ErrTooManyRows, num, MaxRows)
		}
		if isBlankRecord(vals) {
			continue
		}
		if len(vals) > maxColumns {
			vals = vals[:maxColumns]
		}
		cells := make([]cell, len(vals))
		for i, v := range vals {
			cells[i] = cell{text: v, number: scan.numbers[cellPos{num, i + 1}]}
		}
		tbl.rows = append(tbl.rows, sheetRow{num: num, cells: cells})
	}
	if err := rows.Error(); err != nil {
		return nil, fmt.Errorf("%w: sheet %q: %v", ErrMalformed, sheet, err)
	}
	return tbl, nil
}

// ---- workbook structure ----

type sheetRef struct{ name, path string }

type xmlRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

type xmlWorkbook struct {
	Sheets []struct {
		Name  string     `xml:"name,attr"`
		Attrs []xml.Attr `xml:",any,attr"`
	} `xml:"sheets>sheet"`
}

// sheetPaths lists the worksheets in workbook order with their part names,
// following the package relationships as Excel does.
func sheetPaths(zr *zip.Reader) ([]sheetRef, error) {
	var root xmlRels
	if findPart(zr, "_rels/.rels") != nil {
		if err := readXMLPart(zr, "_rels/.rels", &root); err != nil {
			return nil, err
		}
	}
	wbPath := "xl/workbook.xml"
	for _, r := range root.Rels {
		if strings.HasSuffix(r.Type, "/officeDocument") {
			wbPath = strings.TrimPrefix(r.Target, "/")
			break
		}
	}
	var wb xmlWorkbook
	if err := readXMLPart(zr, wbPath, &wb); err != nil {
		return nil, err
	}
	dir := path.Dir(wbPath)
	var rels xmlRels
	if err := readXMLPart(zr, path.Join(dir, "_rels", path.Base(wbPath)+".rels"), &rels); err != nil {
		return nil, err
	}
	targets := map[string]string{}
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = path.Clean(strings.TrimPrefix(t, "/"))
		} else {
			t = path.Clean(path.Join(dir, t))
		}
		targets[r.ID] = t
	}
	var out []sheetRef
	for _, s := range wb.Sheets {
		for _, a := range s.Attrs {
			if a.Name.Local == "id" && a.Name.Space != "" {
				if t, ok := targets[a.Value]; ok && findPart(zr, t) != nil {
					out = append(out, sheetRef{name: s.Name, path: t})
				}
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: the workbook has no worksheet", ErrMalformed)
	}
	return out, nil
}

func pickSheet(sheets []sheetRef, want string) (sheetRef, error) {
	if want == "" {
		return sheets[0], nil
	}
	for _, s := range sheets {
		if s.name == want {
			return s, nil
		}
	}
	for _, s := range sheets {
		if strings.EqualFold(strings.TrimSpace(s.name), strings.TrimSpace(want)) {
			return s, nil
		}
	}
	names := make([]string, len(sheets))
	for i, s := range sheets {
		names[i] = strconv.Quote(s.name)
	}
	return sheetRef{}, fmt.Errorf("sheet %q not found; the workbook has %s", want, strings.Join(names, ", "))
}

// findPart finds a part by name, as excelize does: backslashes read as
// slashes, case ignored when there is no exact match.
func findPart(zr *zip.Reader, name string) *zip.File {
	var folded *zip.File
	for _, f := range zr.File {
		n := strings.ReplaceAll(f.Name, "\\", "/")
		if n == name {
			return f
		}
		if folded == nil && strings.EqualFold(n, name) {
			folded = f
		}
	}
	return folded
}

func openPart(zr *zip.Reader, name string) (io.ReadCloser, error) {
	f := findPart(zr, name)
	if f == nil {
		return nil, fmt.Errorf("%w: the workbook has no part %s", ErrMalformed, name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
	}
	return rc, nil
}

func readXMLPart(zr *zip.Reader, name string, v any) error {
	rc, err := openPart(zr, name)
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	if err := xml.NewDecoder(io.LimitReader(rc, maxUnzipped)).Decode(v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
	}
	return nil
}

// ---- sheet scan ----

type cellPos struct{ row, col int } // 1-based

// sheetScan is what a first pass over the sheet's XML finds.
type sheetScan struct {
	merges  []mergeRange
	numbers map[cellPos]bool // cells stored as numbers (dates among them)
}

// scanSheet streams the worksheet XML once before excelize reads it, to
// enforce the size limits, collect the merged ranges and note which cells
// hold numbers (a date cell is a number cell with a date format).
func scanSheet(zr *zip.Reader, name string) (*sheetScan, error) {
	rc, err := openPart(zr, name)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	dec := xml.NewDecoder(io.LimitReader(rc, maxUnzipped))
	scan := &sheetScan{numbers: map[cellPos]bool{}}
	var (
		rowNum, colNum int  // current row and cell position
		rowMax         int  // last filled column of the row
		cellsSeen      int  // cells counted with gaps
		inCell         bool // inside <c>
		cellType       string
		cellFilled     bool
		inSheetData    bool
	)
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: sheet %s: %s", ErrMalformed, name, fmt.Sprintf(format, args...))
	}
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, bad("%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "sheetData":
				inSheetData = true
			case "row":
				if !inSheetData {
					continue
				}
				n := rowNum + 1
				if v := attr(t, "r"); v != "" {
					if n, err = strconv.Atoi(v); err != nil || n < 1 || n > excelize.TotalRows {
						return nil, bad("bad row number %q", v)
					}
				}
				rowNum, colNum, rowMax = n, 0, 0
			case "c":
				if !inSheetData {
					continue
				}
				n := colNum + 1
				if v := attr(t, "r"); v != "" {
					c, r, err := excelize.CellNameToCoordinates(v)
					if err != nil {
						return nil, bad("bad cell reference %q", v)
					}
					n = c
					if r != rowNum && rowNum > 0 {
						return nil, bad("cell %s is outside row %d", v, rowNum)
					}
				}
				colNum = n
				inCell, cellType, cellFilled = true, attr(t, "t"), false
			case "v", "f", "is":
				if inCell {
					cellFilled = true
				}
			case "mergeCell":
				if len(scan.merges) >= maxMerges {
					return nil, fmt.Errorf("%w: over %d merged ranges", ErrFileTooLarge, maxMerges)
				}
				if m, ok := parseRange(attr(t, "ref")); ok {
					scan.merges = append(scan.merges, m)
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "sheetData":
				inSheetData = false
			case "c":
				if !inCell {
					continue
				}
				inCell = false
				if !cellFilled {
					continue
				}
				if colNum > rowMax {
					cellsSeen += colNum - rowMax
					rowMax = colNum
					if cellsSeen > maxCells {
						return nil, fmt.Errorf("%w: the sheet has over %d cells", ErrFileTooLarge, maxCells)
					}
				}
				if rowNum > MaxRows {
					return nil, fmt.Errorf("%w: data on row %d, the limit is %d", ErrTooManyRows, rowNum, MaxRows)
				}
				if cellType == "" || cellType == "n" {
					scan.numbers[cellPos{rowNum, colNum}] = true
				}
			}
		}
	}
	return scan, nil
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// parseRange reads a range reference such as A2:A5.
func parseRange(ref string) (mergeRange, bool) {
	a, b, ok := strings.Cut(ref, ":")
	if !ok {
		return mergeRange{}, false
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(a)
	c2, r2, err2 := excelize.CellNameToCoordinates(b)
	if err1 != nil || err2 != nil {
		return mergeRange{}, false
	}
	if r1 > r2 {
		r1, r2 = r2, r1
	}
	if c1 > c2 {
		c1, c2 = c2, c1
	}
	return mergeRange{r1: r1, c1: c1 - 1, r2: r2, c2: c2 - 1}, true
}

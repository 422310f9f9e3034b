// Package sheet makes text safe to put in a spreadsheet cell. Every CSV and
// XLSX file the hub writes passes each cell through Cell (or writes with
// Writer, which does), so a citizen's name such as "=HYPERLINK(...)" or
// "@SUM(...)" is shown as text and never runs as a formula when a
// supervisor opens the export in Excel or LibreOffice (CSV/formula
// injection).
package sheet

import (
	"encoding/csv"
	"io"
)

// formulaStarts are the first characters that make a spreadsheet program
// read a cell as a formula, or that hide one behind them (tab, carriage
// return and line feed: some programs trim them and read on).
func formulaStart(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r', '\n':
		return true
	}
	return false
}

// Cell returns s as a spreadsheet shows it as plain text: a cell that begins
// with =, +, -, @, a tab, a carriage return or a line feed gets a leading
// apostrophe, which spreadsheet programs read as "this is text" (OWASP's
// advice for CSV injection). A plain number such as "-5" or "+3.25" is left
// alone: it is read as that number and cannot hold a formula.
func Cell(s string) string {
	if s == "" || !formulaStart(s[0]) || isNumber(s) {
		return s
	}
	return "'" + s
}

// Row applies Cell to every cell of a row, in place, and returns it.
func Row(cells []string) []string {
	for i, c := range cells {
		cells[i] = Cell(c)
	}
	return cells
}

// isNumber reports whether s is a plain decimal number: an optional sign,
// digits, and at most one decimal point with digits after it.
func isNumber(s string) bool {
	i := 0
	if s[0] == '+' || s[0] == '-' {
		i = 1
	}
	digits, point := 0, false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !point && digits > 0:
			point = true
			digits = 0 // a digit must follow the point
		default:
			return false
		}
	}
	return digits > 0
}

// BOM is the UTF-8 byte order mark that CSV exports start with, so that
// spreadsheet programs read Vietnamese diacritics right.
const BOM = "\ufeff"

// Writer writes CSV for spreadsheets: a byte order mark first, CRLF line
// ends, and every cell through Cell. Use it for every CSV the hub writes.
type Writer struct {
	w       *csv.Writer
	started bool
	out     io.Writer
	err     error
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &Writer{w: cw, out: w}
}

// Write writes one row (the byte order mark before the first). The row's
// slice is not changed.
func (w *Writer) Write(row []string) error {
	if w.err != nil {
		return w.err
	}
	if !w.started {
		w.started = true
		if _, err := io.WriteString(w.out, BOM); err != nil {
			w.err = err
			return err
		}
	}
	safe := make([]string, len(row))
	for i, c := range row {
		safe[i] = Cell(c)
	}
	if err := w.w.Write(safe); err != nil {
		w.err = err
	}
	return w.err
}

// Flush writes any buffered data and returns the first error met.
func (w *Writer) Flush() error {
	w.w.Flush()
	if w.err != nil {
		return w.err
	}
	return w.w.Error()
}

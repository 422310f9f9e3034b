package reports

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua/sheet"
)

// table is a report as a spreadsheet sees it: a header and rows of text or
// numbers (nil: an empty cell).
type table struct {
	name   string // file and sheet name
	header []string
	rows   [][]any
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// writeCSV answers the table as CSV: UTF-8 with a BOM, every cell neutralised.
func writeCSV(w http.ResponseWriter, t table) error {
	var buf bytes.Buffer
	cw := sheet.NewWriter(&buf)
	if err := cw.Write(t.header); err != nil {
		return err
	}
	for _, r := range t.rows {
		cells := make([]string, len(r))
		for i, v := range r {
			cells[i] = cellText(v)
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+t.name+`.csv"`)
	_, err := w.Write(buf.Bytes())
	return err
}

// XLSXType is the media type of an XLSX file.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// writeXLSX answers the table as an XLSX workbook of one sheet: numbers as
// numbers, text as text (neutralised like the CSV, so a copy-paste of a cell
// stays harmless too).
func writeXLSX(w http.ResponseWriter, t table) error {
	f := excelize.NewFile()
	defer f.Close()
	name := "report" // a sheet name has at most 31 characters
	if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	put := func(row int, vals []any) error {
		cells := make([]any, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case string:
				cells[i] = sheet.Cell(x)
			default:
				cells[i] = v
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		return sw.SetRow(cell, cells)
	}
	head := make([]any, len(t.header))
	for i, h := range t.header {
		head[i] = h
	}
	if err := put(1, head); err != nil {
		return err
	}
	for i, r := range t.rows {
		if err := put(i+2, r); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", XLSXType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+t.name+`.xlsx"`)
	_, err = w.Write(buf.Bytes())
	return err
}

func intOrNil(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func floatOrNil(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// Package tabular is the one place kitei reads and writes spreadsheets:
// xlsx workbooks (through excelize, called from here only) and CSV in
// UTF-8 (with or without a byte-order mark), Shift_JIS (CP932) or UTF-16.
// Every import and export of every capability goes through it, and
// imports report problems row by row with a message key (RowError).
package tabular

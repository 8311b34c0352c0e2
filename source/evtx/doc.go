// Package evtx reads Windows XML Event Log (EVTX) files.
//
// # Reading
//
//	f, err := evtx.Open(path)           // or evtx.NewReader(readerAt, size)
//	defer f.Close()
//	err = f.Records(func(r *evtx.Record) error {
//		_ = r.Flat()  // key/value pairs for the normaliser
//		_ = r.XML()   // wevtutil-style XML
//		return nil
//	})
//	st := f.Stats()                     // chunks, records, damage
//
// Chunks (64 KiB, each with its own string and template tables) are decoded
// in parallel, File.Workers at a time (default GOMAXPROCS); records are
// delivered in file order on the caller's goroutine. A Record and its Node
// tree are immutable and may be kept; all text of one record shares one
// backing string.
//
// # Format coverage
//
// File header (checksum checked), chunk header (header and event-records
// CRC32 checked), records (size and size copy checked). Names and template
// definitions are resolved through their chunk offsets as records refer to
// them and cached per chunk (which makes the chunk's common-string and
// template pointer tables unnecessary; a template defined in a damaged
// record is still found by its offset). BinXML: fragment
// headers, elements with attribute lists, value text, normal and optional
// substitutions, character and entity references, CDATA, processing
// instructions, template instances with inline or referenced (by chunk
// offset) definitions, and BinXml (0x21) substitution values holding
// nested fragments and template instances. Value types: UTF-16 and ANSI
// strings, Int8..UInt64, Real32/64, Bool, Binary, GUID, SizeT, FILETIME,
// SYSTEMTIME, SID, HexInt32/64, EvtHandle, BinXml and arrays (type|0x80) of
// the scalar ones.
//
// Element starts carry a 2-byte dependency identifier in templates but not
// inside BinXml values, and records written without templates (the whole
// event as plain BinXML; 13 of the sample files, Defender, RDP, PowerShell
// and Security logs among them) lack it too.
// The reader scores both layouts per element (inline name at the expected
// offset, a name already seen in the chunk, the element's data size ending
// on an end token) and takes the better one.
//
// # Rendering choices
//
//   - Integers are decimal; HexInt32, HexInt64 and SizeT are 0x… in lower
//     case without padding (Keywords 0x8020000000000000, LogonId 0x3e7).
//   - GUIDs are upper case in braces, SIDs S-1-5-…, binary upper-case hex,
//     Bool true/false, reals in shortest form (1.#INF/-1.#IND for
//     infinities and NaN).
//   - FILETIME and SYSTEMTIME render as 2006-01-02T15:04:05.0000000Z (UTC,
//     seven fractional digits, as wevtutil prints SystemTime).
//   - UTF-16 strings lose trailing NUL characters; ANSI strings are read as
//     Latin-1 (the code page is not recorded in the file).
//   - An array value substituted into element content repeats the element
//     once per item (MS-EVEN6; an empty array gives one empty element); an
//     array in an attribute value is joined with ", ".
//   - A NULL optional substitution drops the attribute it is the whole
//     value of (<Security/> without UserID); elements stay, empty.
//   - Character and entity references are resolved to their characters in
//     Node.Text (unknown entities stay as &name;); XML re-escapes.
//   - Mixed content (text between child elements) keeps its text but not
//     its position among the children; event XML does not use it.
//
// Record.Time is the written time from the record header; the event's own
// System/TimeCreated is in Flat (and the tree).
//
// # Flat form
//
// Record.Flat returns, in this stable order: the System fields EventID,
// Version, Level, Task, Opcode, Keywords, TimeCreated (RFC 3339 UTC from
// the SystemTime attribute), EventRecordID, Channel, Computer,
// Provider_Name, Provider_Guid, Execution_ProcessID, Execution_ThreadID,
// Security_UserID (each when present); then other System values in
// document order (element text under the element name, attributes as
// Element_Attribute: EventID_Qualifiers, Provider_EventSourceName,
// Correlation_ActivityID, Execution_ProcessorID...); then EventData:
// attributes of EventData itself as EventData_Attribute, <Data Name="X">
// as X, unnamed Data as Data[0], Data[1]… (counted among unnamed ones),
// other children (Binary) under their own name; then UserData children
// with dotted paths without the UserData prefix ("EventXML.Param1",
// attributes "Path_Attribute", xmlns dropped, repeated siblings numbered
// Name[0], Name[1]…); then any other top-level element (ProcessingErrorData,
// RenderingInfo) the same way with its name as prefix. Keys may repeat
// when an array value repeated a named Data element.
//
// # Damage
//
// Nothing in a file makes the reader panic or stop early: a bad file header
// (as long as a chunk follows), bad chunk signature (records are still
// looked for), header or records checksum mismatch, truncated chunk or file,
// a record whose size or size copy is wrong, or BinXML that does not decode
// (unknown token, offsets outside the chunk, self-referencing templates,
// nesting deeper than 64/128 levels, a record expanding past 2^18 nodes or
// 16 MiB of text) is reported as a Problem with chunk index, file offset,
// record ID when known and reason, and counted in Stats (BadChunks,
// BadRecords). Undecodable records are skipped; the rest of the chunk is
// read when the record size allows it. When a chunk header's checksum is
// good, records end at its free-space offset; otherwise the chunk is
// scanned while record signatures follow. Pre-allocated all-zero chunks
// count as EmptyChunks.
//
// Known gaps: no carving of deleted records from chunk slack space; no
// message-table rendering (no message text); record IDs are not checked
// against the chunk header's range.
package evtx

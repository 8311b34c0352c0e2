// Package demo builds the telemetry that `lanner detect --demo` runs the
// built-in rule over: a few thousand Falcon-style NDJSON events, generated,
// not copied from any real tenant.
//
// # Shape
//
// NDJSON returns one JSON object per line, every value a JSON string, as in
// CrowdStrike FDR. Keys are written in sorted order (encoding/json of a
// map), so `&`, `<` and `>` in command lines come out as \u0026, \u003c and
// \u003e: readers must decode JSON rather than grep bytes. About half the
// lines carry the event type as the LogScale tag `#event_simpleName` (with
// `#repo: base_sensor`, as LogScale exports do); the rest use the FDR name
// `event_simpleName`. Process events (ProcessRollup2) carry aid, aip, cid,
// event_platform, ComputerName, UserName, UserSid, ImageFileName in
// `\Device\HarddiskVolume3\...` form, CommandLine, ParentBaseFileName,
// TargetProcessId, ParentProcessId (the parent's TargetProcessId when the
// parent was logged), RawProcessId, ProcessStartTime, hashes and sensor
// metadata. About 15 % of process events lack FileName (and FilePath), so a
// reader must derive FileName from the last `\` component of ImageFileName.
// ParentCommandLine and GrandParentBaseFileName appear on some events only.
// `timestamp` is a 13-digit epoch-millisecond string between 2026-03-09 and
// 2026-03-13 (UTC). Lines are roughly, not strictly, time ordered: sorted by
// time, then shuffled inside blocks of 40 lines, like FDR part files.
//
// # Hosts
//
// 34 Windows workstations (one user each, domain SIDs under an invented
// domain), 2 servers, one Mac and one Linux host, all in one customer (cid). Each workstation logs on,
// starts explorer.exe, then starts one or two browsers; every one of the
// eight browsers of the seed query (chrome, msedge, firefox, iexplore,
// opera, brave, vivaldi, browser) runs on at least three workstations. All
// addresses and domains are documentation ranges (192.0.2.0/24,
// 198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15) or *.example names, except
// a handful of well-known benign domains in DNS noise.
//
// # What the seed query (T1204.001) must return
//
// Lines in a category with a non-empty Level are ProcessRollup2 events whose
// parent is a browser, whose child is on the query's list and which have a
// CommandLine field; Level is the suspicion_level the query assigns. The mix
// covers every branch of the query's case(): critical (encoded PowerShell
// and a download cradle), high by encoding alone, by cradle alone and by
// LOLBin, medium by script engine and medium by the default branch. Every
// one of the 20 child names in the query's list occurs, every browser parent
// occurs at every level, and parent names come in mixed case (MSEDGE.EXE,
// Chrome.exe). Five categories follow the seed's atomic tests (URI-handler
// PowerShell writing %TEMP%\malicious-link-test.txt; Invoice_March2026.exe
// dropped in Downloads; wscript running %TEMP%\link_payload.vbs; mshta
// running %TEMP%\link_test.hta; PowerShell with Shell.Application mounting an
// ISO and running E:\payload.exe), and four follow its false-positive notes
// (an onboarding portal starting ClickOnce or PowerShell, certutil CRL and
// OCSP checks, a phishing-awareness simulation running wscript, cscript or
// mshta). About 12 % of matching events reuse the timestamp of an earlier
// matching event, so the query's sort meets ties; the 200th and 201st
// matching events (by timestamp, descending) are not tied, so the set that
// `limit 200` keeps is well defined.
//
// # What it must not return
//
// Browser to browser (renderer, GPU, utility, crashpad and Firefox content
// processes), browser to benign programs (notepad, calc, Acrobat, Word,
// Zoom...), browser opening Invoice_March2026.exe, explorer.exe to
// PowerShell/cmd/wscript/mshta (some with -enc), system and management
// processes (some of them LOLBins with suspicious-looking arguments), a
// `chrome.exe.bak` parent, a `powershell.exe.bak` child, `powershell_ise.exe`,
// matching parent and child without a CommandLine field, SyntheticProcessRollup2
// with a browser parent, macOS and Linux processes, and the other event types
// (DnsRequest, NetworkConnectIP4, NewExecutableWritten, NewScriptWritten,
// GenericFileWritten and friends, UserLogon, EndOfProcess).
//
// The expected results are stated for the query as the engine reads it:
// `CommandLine != null` as a presence test and FileName derived from
// ImageFileName when absent. Under literal LogScale semantics the
// no-CommandLine lines would also pass (as medium) and the events without a
// FileName field would be dropped.
//
// # Determinism
//
// Everything comes from one math/rand/v2 PCG with a fixed seed, hashes are
// SHA-256/MD5 of fixed strings, and no map is iterated while generating, so
// the bytes are the same on every call, platform and Go release. The test
// pins a SHA-256 of the output; change it deliberately when changing the mix.
package demo

# The seed's T1204.001 query (shared/acceptance/seed.cql) as a jq program: a benchmark peer.
#
#   jq -nRc --argjson limit 200 -f scripts/seed.jq FILE.ndjson     (limit null: every match)
#
# -R reads raw lines so that a line that is not JSON is skipped (fromjson?) instead of ending the run.
#
# Semantics as lanner applies them (shared/DESIGN.md):
# - the tag is #event_simpleName, or event_simpleName where the event has no #event_simpleName;
# - FileName, when absent, is the last component of ImageFileName (split on \ and /);
# - regexes are RE2's (?i): for these ASCII patterns that is ASCII case folding plus the two
#   non-ASCII letters that fold to ASCII ones (U+017F long s -> s, U+212A Kelvin sign -> k).
#   jq's test(re; "i") (Oniguruma) also folds multi-character sequences (U+FB01 ligature "fi"
#   matches "fi", U+00DF matches "ss"), which RE2 does not, so values are folded here and then
#   matched case-sensitively against the lower-case patterns;
# - RE2's \s is [\t\n\f\r ] and its $ is the end of the text: written out, as Oniguruma's differ;
# - sort by timestamp as a number, descending, non-numeric or missing last, ties in input order.

def fold: if test("[\u017f\u212a]") then gsub("\u017f"; "s") | gsub("\u212a"; "k") else . end;
def m($re): if type == "string" then (fold | ascii_downcase | test($re)) else false end;

def browser: "\\A(chrome|msedge|firefox|iexplore|opera|brave|vivaldi|browser)\\.exe\\z";
def child: "\\A(powershell|pwsh|cmd|wscript|cscript|mshta|rundll32|regsvr32|certutil|bitsadmin|msiexec|wmic|msbuild|csc|installutil|regasm|regsvcs|odbcconf|forfiles|pcalua)\\.exe\\z";
def enc: "(-encodedcommand|-enc[\t\n\f\r ]|-e[\t\n\f\r ]|-ec[\t\n\f\r ])";
def cradle: "(invoke-webrequest|net\\.webclient|downloadfile|downloadstring|iex\\(|invoke-expression|start-bitstransfer)";
def script: "\\A(wscript|cscript|mshta)\\.exe\\z";
def lolbin: "\\A(rundll32|regsvr32|certutil|mshta|msbuild|installutil|regasm|regsvcs)\\.exe\\z";

def tag: if .["#event_simpleName"] != null then .["#event_simpleName"] else .event_simpleName end;
def filename:
  if .FileName != null then .FileName
  elif (.ImageFileName | type) == "string" then (.ImageFileName | split("\\") | last // "" | split("/") | last // "")
  else null end;
def tf: if . then "true" else "false" end;

[ inputs
  | fromjson?
  | select(type == "object" and tag == "ProcessRollup2" and (.ParentBaseFileName | m(browser)))
  | filename as $fn
  | select(($fn | m(child)) and .CommandLine != null)
  | (.CommandLine | m(enc)) as $enc
  | (.CommandLine | m(cradle)) as $cr
  | ($fn | m(script)) as $se
  | ($fn | m(lolbin)) as $lb
  | {
      timestamp, ComputerName, UserName, ParentBaseFileName, ParentCommandLine,
      FileName: $fn, CommandLine,
      is_encoded_ps: ($enc | tf), is_download_cradle: ($cr | tf),
      is_script_engine: ($se | tf), is_lolbin: ($lb | tf),
      suspicion_level: (if $enc and $cr then "critical" elif $enc or $cr or $lb then "high" else "medium" end)
    }
  | [(.timestamp | tonumber? // null), .]
]
| sort_by(if .[0] == null then [1, 0] else [0, -.[0]] end)
| (if $limit == null then . else .[:$limit] end)
| .[][1]
| with_entries(select(.value != null))

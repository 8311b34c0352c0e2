package sigma

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lanner-dev/lanner/cql"
)

// Logsource routing. A rule runs only on the events of its logsource:
//
//   - process_creation (windows, linux, macos) is the normalised process
//     start, #event_simpleName=ProcessRollup2, which lanner's sources give
//     to Sysmon 1, Security 4688, Falcon, Winlogbeat and Defender process
//     starts alike. Sigma's field names map onto the fields those events
//     share (Image → ImageFileName; Image|endswith '\name' → FileName, the
//     base name; ParentImage → ParentImage or 4688's ParentProcessName, and
//     ParentBaseFileName for base-name tests, which Falcon events have).
//   - the other Sysmon categories are the Sysmon channel (or provider) and
//     their event ids; their fields are Sysmon's own names, which the
//     sources keep.
//   - a Windows service is its event channel; product windows alone is any
//     Windows event log record.
//
// Anything else is not mapped and the rule does not load (with the reason).

// route selects the events of a logsource.
type route struct {
	key string // identity of the route (rules with one key share routing)

	simple     string   // #event_simpleName value (normalised events), or ""
	noPlatform []string // event_platform must not be one of these
	platform   string   // event_platform must be this

	channels  []string // Channel values (exact), or
	providers []string // Provider_Name / SourceName values
	anyWin    bool     // any Windows event record (has Channel)
	eventIDs  []string
	extra     []fieldIs // further exact field tests (EventType…)
}

type fieldIs struct {
	field  string
	values []string
}

// fieldSpec maps one Sigma field name.
type fieldSpec struct {
	// fields are the event fields that hold it, first present wins.
	fields []string
	// base is the field holding the base name of the path; a test
	// "endswith \name" on the path becomes "base equals name".
	base string
}

// logsrc is what a logsource resolves to.
type logsrc struct {
	name   string
	route  *route
	fields map[string]fieldSpec
	// wrappers are UserData elements whose children the sources flatten
	// as Wrapper.Child; Sigma names the child alone.
	wrappers []wrapper
	// spaced: the channel's EventData names have spaces (Defender's
	// "Threat Name"), which Sigma leaves out (ThreatName).
	spaced bool
}

type wrapper struct {
	name   string
	fields []string // the children it may hold; nil: any
}

// spec maps a Sigma field name onto the event fields that may hold it.
func (s *logsrc) spec(field string) fieldSpec {
	if sp, ok := s.fields[field]; ok {
		return sp
	}
	sp := fieldSpec{fields: []string{field}}
	if s.spaced {
		if sf := splitCamel(field); sf != field {
			sp.fields = []string{sf, field}
		}
	}
	for _, w := range s.wrappers {
		if w.fields != nil && !contains(w.fields, field) {
			continue
		}
		sp.fields = append(sp.fields, w.name+"."+field)
	}
	return sp
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// splitCamel puts a space before each upper-case letter that follows a
// lower-case one: ThreatName → Threat Name, DetectionID → Detection ID.
func splitCamel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i > 0 && c >= 'A' && c <= 'Z' && s[i-1] >= 'a' && s[i-1] <= 'z' {
			b.WriteByte(' ')
		}
		b.WriteByte(c)
	}
	return b.String()
}

var logFileCleared = wrapper{name: "LogFileCleared", fields: []string{"SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId", "BackupPath"}}

// serviceWrappers are the UserData elements of a service's events.
var serviceWrappers = map[string][]wrapper{
	"security": {logFileCleared},
	"system":   {logFileCleared},
	"wmi": {{name: "Operation_ClientFailure"}, {name: "Operation_StartedOperational"}, {name: "Operation_EssStarted"},
		{name: "Operation_TemporaryEssStarted"}, {name: "Operation_ESStoConsumerBinding"}},
	"terminalservices-localsessionmanager": {{name: "EventXML"}},
	"application":                          {{name: "EventXML"}},
	"applocker":                            {{name: "RuleAndFileData"}},
	"printservice-admin":                   {{name: "DocumentPrinted"}},
	"printservice-operational":             {{name: "DocumentPrinted"}},
	"capi2":                                {{name: "CryptAcquireCertificatePrivateKey"}},
}

const (
	sysmonChannel  = "Microsoft-Windows-Sysmon/Operational"
	sysmonProvider = "Microsoft-Windows-Sysmon"
)

// processFields are process_creation's mappings onto normalised ProcessRollup2.
var processFields = map[string]fieldSpec{
	"Image":            {fields: []string{"ImageFileName"}, base: "FileName"},
	"ParentImage":      {fields: []string{"ParentImage", "ParentProcessName"}, base: "ParentBaseFileName"},
	"ProcessId":        {fields: []string{"RawProcessId"}},
	"OriginalFileName": {fields: []string{"OriginalFileName", "OriginalFilename"}},
}

// sysmonCategories are the Sysmon event ids per category.
var sysmonCategories = map[string][]string{
	"file_change":               {"2"},
	"network_connection":        {"3"},
	"sysmon_status":             {"4", "16"},
	"process_termination":       {"5"},
	"driver_load":               {"6"},
	"image_load":                {"7"},
	"create_remote_thread":      {"8"},
	"raw_access_thread":         {"9"},
	"process_access":            {"10"},
	"file_event":                {"11"},
	"registry_add":              {"12"},
	"registry_delete":           {"12"},
	"registry_set":              {"13"},
	"registry_rename":           {"14"},
	"registry_event":            {"12", "13", "14"},
	"create_stream_hash":        {"15"},
	"pipe_created":              {"17", "18"},
	"wmi_event":                 {"19", "20", "21"},
	"dns_query":                 {"22"},
	"file_delete":               {"23", "26"},
	"clipboard_capture":         {"24"},
	"process_tampering":         {"25"},
	"file_delete_detected":      {"26"},
	"file_block_executable":     {"27"},
	"file_block_shredding":      {"28"},
	"file_executable_detected":  {"29"},
	"sysmon_error":              {"255"},
	"process_creation_sysmon":   {"1"}, // internal: not a Sigma category
	"network_connection_sysmon": {"3"},
}

// sysmonExtra narrows categories that share an event id.
var sysmonExtra = map[string][]fieldIs{
	"registry_add":    {{field: "EventType", values: []string{"CreateKey"}}},
	"registry_delete": {{field: "EventType", values: []string{"DeleteKey", "DeleteValue"}}},
}

// channelCategories are categories read from another channel.
var channelCategories = map[string]struct {
	channel string
	ids     []string
}{
	"ps_module":                 {"Microsoft-Windows-PowerShell/Operational", []string{"4103"}},
	"ps_script":                 {"Microsoft-Windows-PowerShell/Operational", []string{"4104"}},
	"ps_classic_start":          {"Windows PowerShell", []string{"400"}},
	"ps_classic_provider_start": {"Windows PowerShell", []string{"600"}},
	"ps_classic_script":         {"Windows PowerShell", []string{"800"}},
}

// windowsServices are the channels of Windows services.
var windowsServices = map[string][]string{
	"security":                             {"Security"},
	"system":                               {"System"},
	"application":                          {"Application"},
	"sysmon":                               {sysmonChannel},
	"powershell":                           {"Microsoft-Windows-PowerShell/Operational"},
	"powershell-classic":                   {"Windows PowerShell"},
	"windefend":                            {"Microsoft-Windows-Windows Defender/Operational"},
	"taskscheduler":                        {"Microsoft-Windows-TaskScheduler/Operational"},
	"wmi":                                  {"Microsoft-Windows-WMI-Activity/Operational"},
	"dns-server":                           {"DNS Server"},
	"dns-server-analytic":                  {"Microsoft-Windows-DNS-Server/Analytical"},
	"dns-server-audit":                     {"Microsoft-Windows-DNS-Server/Audit"},
	"driver-framework":                     {"Microsoft-Windows-DriverFrameworks-UserMode/Operational"},
	"ntlm":                                 {"Microsoft-Windows-NTLM/Operational"},
	"dns-client":                           {"Microsoft-Windows-DNS Client Events/Operational"},
	"firewall-as":                          {"Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"},
	"bits-client":                          {"Microsoft-Windows-Bits-Client/Operational"},
	"msexchange-management":                {"MSExchange Management"},
	"codeintegrity-operational":            {"Microsoft-Windows-CodeIntegrity/Operational"},
	"security-mitigations":                 {"Microsoft-Windows-Security-Mitigations/Kernel Mode", "Microsoft-Windows-Security-Mitigations/User Mode"},
	"appxdeployment-server":                {"Microsoft-Windows-AppXDeploymentServer/Operational"},
	"appxpackaging-om":                     {"Microsoft-Windows-AppxPackaging/Operational"},
	"appmodel-runtime":                     {"Microsoft-Windows-AppModel-Runtime/Admin"},
	"iis-configuration":                    {"Microsoft-IIS-Configuration/Operational"},
	"terminalservices-localsessionmanager": {"Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"},
	"shell-core":                           {"Microsoft-Windows-Shell-Core/Operational"},
	"microsoft-servicebus-client":          {"Microsoft-ServiceBus-Client"},
	"certificateservicesclient-lifecycle-system": {"Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational"},
	"ldap":                     {"Microsoft-Windows-LDAP-Client/Debug"},
	"smbclient-security":       {"Microsoft-Windows-SmbClient/Security"},
	"smbclient-connectivity":   {"Microsoft-Windows-SmbClient/Connectivity"},
	"smbserver-connectivity":   {"Microsoft-Windows-SMBServer/Connectivity"},
	"diagnosis-scripted":       {"Microsoft-Windows-Diagnosis-Scripted/Operational"},
	"lsa-server":               {"Microsoft-Windows-LSA/Operational"},
	"openssh":                  {"OpenSSH/Operational"},
	"capi2":                    {"Microsoft-Windows-CAPI2/Operational"},
	"applocker":                {"Microsoft-Windows-AppLocker/MSI and Script", "Microsoft-Windows-AppLocker/EXE and DLL", "Microsoft-Windows-AppLocker/Packaged app-Deployment", "Microsoft-Windows-AppLocker/Packaged app-Execution"},
	"printservice-admin":       {"Microsoft-Windows-PrintService/Admin"},
	"printservice-operational": {"Microsoft-Windows-PrintService/Operational"},
	"dhcp":                     {"Microsoft-Windows-DHCP-Server/Operational"},
	"kernel-shimengine":        {"Microsoft-Windows-Kernel-ShimEngine/Operational"},
	"vhdmp":                    {"Microsoft-Windows-VHDMP-Operational"},
	"bitlocker":                {"Microsoft-Windows-BitLocker/BitLocker Management"},
	"hyper-v-worker":           {"Microsoft-Windows-Hyper-V-Worker"},
	"kernel-event-tracing":     {"Microsoft-Windows-Kernel-EventTracing/Admin"},
	"ntfs":                     {"Microsoft-Windows-Ntfs/Operational"},
	"sysmon-operational":       {sysmonChannel},
	"winrm":                    {"Microsoft-Windows-WinRM/Operational"},
}

// unmappedCategories explain why a Windows category has no source.
var unmappedCategories = map[string]string{
	"file_access": "no Windows event log records file reads (Sigma's file_access comes from an ETW-based EDR such as Aurora)",
	"file_rename": "no Windows event log records file renames (Sigma's file_rename comes from an ETW-based EDR such as Aurora)",
}

// resolve maps a logsource to its source.
func resolve(ls LogSource) (*logsrc, error) {
	product := strings.ToLower(ls.Product)
	cat := strings.ToLower(ls.Category)
	svc := strings.ToLower(ls.Service)
	switch product {
	case "windows":
		return resolveWindows(cat, svc)
	case "linux", "macos":
		if cat == "process_creation" && svc == "" {
			plat := map[string]string{"linux": "Lin", "macos": "Mac"}[product]
			return &logsrc{
				name:   product + "/process_creation",
				route:  &route{key: "process_creation/" + plat, simple: "ProcessRollup2", platform: plat},
				fields: processFields,
			}, nil
		}
	}
	return nil, fmt.Errorf("logsource (%s) is not mapped onto lanner's sources (process_creation of every source; the Sysmon, PowerShell and service channels of Windows event logs)", ls)
}

func resolveWindows(cat, svc string) (*logsrc, error) {
	switch {
	case cat == "process_creation" && svc == "":
		return &logsrc{
			name:   "windows/process_creation",
			route:  &route{key: "process_creation/Win", simple: "ProcessRollup2", noPlatform: []string{"Lin", "Mac"}},
			fields: processFields,
		}, nil
	case cat != "" && svc == "":
		if ids, ok := sysmonCategories[cat]; ok && !strings.HasSuffix(cat, "_sysmon") {
			return &logsrc{
				name:  "windows/" + cat,
				route: &route{key: "sysmon/" + cat, channels: []string{sysmonChannel}, providers: []string{sysmonProvider}, eventIDs: ids, extra: sysmonExtra[cat]},
			}, nil
		}
		if c, ok := channelCategories[cat]; ok {
			return &logsrc{
				name:  "windows/" + cat,
				route: &route{key: "channel/" + cat, channels: []string{c.channel}, eventIDs: c.ids},
			}, nil
		}
		if why, ok := unmappedCategories[cat]; ok {
			return nil, fmt.Errorf("logsource category %s: %s", cat, why)
		}
	case svc != "" && cat == "":
		if chans, ok := windowsServices[svc]; ok {
			return &logsrc{
				name:     "windows/service:" + svc,
				route:    &route{key: "service/" + svc, channels: chans},
				wrappers: serviceWrappers[svc],
				spaced:   svc == "windefend",
			}, nil
		}
	case svc == "" && cat == "":
		return &logsrc{name: "windows", route: &route{key: "windows", anyWin: true}}, nil
	}
	ls := LogSource{Product: "windows", Category: cat, Service: svc}
	return nil, fmt.Errorf("logsource (%s) is not mapped onto lanner's sources", ls)
}

// Logsources lists the logsources lanner maps (for docs and `convert`).
func Logsources() []string {
	var out []string
	out = append(out, "windows/process_creation", "linux/process_creation", "macos/process_creation", "windows (any event log record)")
	for c := range sysmonCategories {
		if !strings.HasSuffix(c, "_sysmon") {
			out = append(out, "windows/"+c)
		}
	}
	for c := range channelCategories {
		out = append(out, "windows/"+c)
	}
	for s := range windowsServices {
		out = append(out, "windows/service:"+s)
	}
	sort.Strings(out[4:])
	return out
}

// filter renders the route as a CQL filter.
func (r *route) filter() cql.Filter {
	var parts []cql.Filter
	if r.simple != "" {
		parts = append(parts, eqGlob("#event_simpleName", r.simple))
	}
	for _, p := range r.noPlatform {
		parts = append(parts, &cql.FieldFilter{Field: "event_platform", Op: cql.NotEq, Value: globValue(p)})
	}
	if r.platform != "" {
		parts = append(parts, eqGlob("event_platform", r.platform))
	}
	var where []cql.Filter
	for _, c := range r.channels {
		where = append(where, eqGlob("Channel", c))
	}
	for _, p := range r.providers {
		where = append(where, eqGlob("Provider_Name", p), eqGlob("SourceName", p))
	}
	if r.anyWin {
		where = append(where, &cql.FieldFilter{Field: "Channel", Op: cql.Eq, Value: cql.Value{Kind: cql.ValueAny}})
	}
	if len(where) > 0 {
		parts = append(parts, orAll(where))
	}
	if len(r.eventIDs) > 0 {
		var ids []cql.Filter
		for _, id := range r.eventIDs {
			ids = append(ids, eqGlob("EventID", id))
		}
		parts = append(parts, orAll(ids))
	}
	for _, x := range r.extra {
		var vs []cql.Filter
		for _, v := range x.values {
			vs = append(vs, eqGlob(x.field, v))
		}
		parts = append(parts, orAll(vs))
	}
	return andAll(parts)
}

func globValue(s string) cql.Value {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '*' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return cql.Value{Kind: cql.ValueGlob, Text: b.String()}
}

func eqGlob(field, v string) cql.Filter {
	return &cql.FieldFilter{Field: field, Op: cql.Eq, Value: globValue(v)}
}

func andAll(fs []cql.Filter) cql.Filter {
	switch len(fs) {
	case 0:
		return &cql.AnyFilter{}
	case 1:
		return fs[0]
	}
	// right-nested, as the parser builds explicit and-chains
	return &cql.AndFilter{L: fs[0], R: andAll(fs[1:])}
}

func orAll(fs []cql.Filter) cql.Filter {
	switch len(fs) {
	case 0:
		return &cql.NotFilter{X: &cql.AnyFilter{}}
	case 1:
		return fs[0]
	}
	return &cql.OrFilter{L: fs[0], R: orAll(fs[1:])}
}

package normalize

import (
	"net/netip"
	"strings"

	"github.com/lanner-dev/lanner/event"
)

// This file builds the Falcon events the families map to. Each family
// fills a neutral description (proc, conn, fileWrite, common) from its own
// fields; the builders add the Falcon names.

// common holds what every mapped record gets.
type common struct {
	platform string // event_platform: Win, Lin, Mac, or "" when unknown
	computer opt
	user     opt // bare user name (no DOMAIN\)
	userSid  opt
	aid      opt
	ms       int64
	hasMs    bool
}

func (c *common) apply(e *event.Event) {
	if c.platform != "" {
		add(e, "event_platform", c.platform)
	}
	if c.computer.ok {
		add(e, "ComputerName", c.computer.v)
	}
	if c.user.ok {
		add(e, "UserName", c.user.v)
	}
	if c.userSid.ok {
		add(e, "UserSid", c.userSid.v)
	}
	if c.aid.ok {
		add(e, "aid", c.aid.v)
	}
	if c.hasMs {
		setTime(e, c.ms)
	}
}

// proc is a process start (ProcessRollup2).
type proc struct {
	common
	image           opt // full path of the new process
	name            opt // its base name where no path is given
	cmd             opt
	parentImage     opt
	parentName      opt
	parentCmd       opt
	grandParentName opt
	pid             opt // OS process ID, decimal or 0x-hex
	guid            opt // unique process ID (Sysmon ProcessGuid…)
	parentGuid      opt
	hashes          opt // Sysmon's "SHA1=…,MD5=…"
	sha256          opt
	sha1            opt
	md5             opt
	startMs         int64
	hasStart        bool
}

func (p *proc) apply(e *event.Event) {
	add(e, "#event_simpleName", "ProcessRollup2")
	if p.image.ok {
		add(e, "ImageFileName", p.image.v)
		add(e, "FileName", baseName(p.image.v))
		if d := dirName(p.image.v); d != "" {
			add(e, "FilePath", d)
		}
	} else if p.name.ok {
		add(e, "FileName", p.name.v)
	}
	if p.cmd.ok {
		add(e, "CommandLine", p.cmd.v)
	}
	switch {
	case p.parentName.ok:
		add(e, "ParentBaseFileName", p.parentName.v)
	case p.parentImage.ok:
		add(e, "ParentBaseFileName", baseName(p.parentImage.v))
	}
	if p.parentCmd.ok {
		add(e, "ParentCommandLine", p.parentCmd.v)
	}
	if p.grandParentName.ok {
		add(e, "GrandParentBaseFileName", p.grandParentName.v)
	}
	if p.pid.ok && p.pid.v != "" {
		add(e, "RawProcessId", decimalID(p.pid.v))
	}
	if p.guid.ok && p.guid.v != "" {
		add(e, "TargetProcessId", canonicalGUID(p.guid.v))
	}
	if p.parentGuid.ok && p.parentGuid.v != "" {
		add(e, "ParentProcessId", canonicalGUID(p.parentGuid.v))
	}
	if p.hashes.ok {
		addHashes(e, p.hashes.v)
	}
	if p.sha256.ok && p.sha256.v != "" {
		add(e, "SHA256HashData", strings.ToLower(p.sha256.v))
	}
	if p.sha1.ok && p.sha1.v != "" {
		add(e, "SHA1HashData", strings.ToLower(p.sha1.v))
	}
	if p.md5.ok && p.md5.v != "" {
		add(e, "MD5HashData", strings.ToLower(p.md5.v))
	}
	start, has := p.startMs, p.hasStart
	if !has {
		start, has = p.ms, p.hasMs
	}
	if has {
		add(e, "ProcessStartTime", epochSeconds(start))
	}
	p.common.apply(e)
}

// conn is a network connection (NetworkConnectIP4/6 and friends).
type conn struct {
	common
	kind       connKind
	localIP    opt
	localPort  opt
	remoteIP   opt
	remotePort opt
	protocol   opt // IANA number as text; only set where the source gives one
	image      opt // the process's image path (Falcon: ContextBaseFileName)
	imageName  opt
	ctxGuid    opt
}

type connKind uint8

const (
	connOutbound connKind = iota // NetworkConnectIP4/6
	connInbound                  // NetworkReceiveAcceptIP4/6
	connListen                   // NetworkListenIP4/6
)

func (c *conn) apply(e *event.Event) {
	v6 := isIPv6(c.remoteIP.v) || !c.remoteIP.ok && isIPv6(c.localIP.v)
	name := [...]string{"NetworkConnectIP", "NetworkReceiveAcceptIP", "NetworkListenIP"}[c.kind]
	fam := "4"
	if v6 {
		fam = "6"
	}
	add(e, "#event_simpleName", name+fam)
	if c.localIP.ok {
		add(e, "LocalAddressIP"+fam, unmapIP(c.localIP.v))
	}
	if c.localPort.ok {
		add(e, "LocalPort", c.localPort.v)
	}
	if c.remoteIP.ok {
		add(e, "RemoteAddressIP"+fam, unmapIP(c.remoteIP.v))
	}
	if c.remotePort.ok {
		add(e, "RemotePort", c.remotePort.v)
	}
	if c.protocol.ok {
		add(e, "Protocol", c.protocol.v)
	}
	addContext(e, c.image, c.imageName, c.ctxGuid)
	c.common.apply(e)
}

func addContext(e *event.Event, image, name, guid opt) {
	switch {
	case name.ok && name.v != "":
		add(e, "ContextBaseFileName", name.v)
	case image.ok && image.v != "":
		add(e, "ContextBaseFileName", baseName(image.v))
	}
	if image.ok && image.v != "" {
		add(e, "ContextImageFileName", image.v)
	}
	if guid.ok && guid.v != "" {
		add(e, "ContextProcessId", canonicalGUID(guid.v))
	}
}

// isIPv6 reports an IPv6 address that is not an IPv4-mapped one.
func isIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && !a.Is4In6()
}

// unmapIP writes ::ffff:a.b.c.d as a.b.c.d.
func unmapIP(s string) string {
	if a, err := netip.ParseAddr(s); err == nil && a.Is4In6() {
		return a.Unmap().String()
	}
	return s
}

// protocolNumber maps a protocol name to its IANA number.
func protocolNumber(s string) opt {
	switch strings.ToLower(s) {
	case "tcp", "tcpv4", "tcpv6", "6":
		return some("6")
	case "udp", "udpv4", "udpv6", "17":
		return some("17")
	case "icmp", "1":
		return some("1")
	case "icmpv6", "58":
		return some("58")
	}
	return opt{}
}

// fileWrite is a file created or written (*FileWritten).
type fileWrite struct {
	common
	target    opt // full path of the file
	name      opt // its base name where no path is given
	event     string
	image     opt
	imageName opt
	ctxGuid   opt
}

func (f *fileWrite) apply(e *event.Event) {
	ev := f.event
	if ev == "" {
		ev = fileWrittenEvent(f.target.or(f.name).v)
	}
	add(e, "#event_simpleName", ev)
	if f.target.ok {
		add(e, "TargetFileName", f.target.v)
		add(e, "FileName", baseName(f.target.v))
		if d := dirName(f.target.v); d != "" {
			add(e, "FilePath", d)
		}
	} else if f.name.ok {
		add(e, "FileName", f.name.v)
	}
	addContext(e, f.image, f.imageName, f.ctxGuid)
	f.common.apply(e)
}

// fileWrittenEvent picks the Falcon *FileWritten event from the file's
// extension, as the sensor does for Windows (NewExecutableWritten is chosen
// by extension, not content).
func fileWrittenEvent(path string) string {
	name := baseName(path)
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return "GenericFileWritten"
	}
	switch strings.ToLower(name[i+1:]) {
	case "exe", "dll", "sys", "scr", "cpl", "ocx", "com", "drv", "efi", "bat", "cmd", "pif":
		return "NewExecutableWritten"
	case "ps1", "psm1", "psd1", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "aspx", "asp", "php", "py", "sh", "lua", "pl":
		return "NewScriptWritten"
	case "zip":
		return "ZipFileWritten"
	case "rar":
		return "RarFileWritten"
	case "7z":
		return "SevenZipFileWritten"
	case "lnk":
		return "LnkFileWritten"
	case "pdf":
		return "PdfFileWritten"
	case "msi":
		return "MsiFileWritten"
	case "docx", "docm", "xlsx", "xlsm", "pptx", "pptm":
		return "OoxmlFileWritten"
	}
	return "GenericFileWritten"
}

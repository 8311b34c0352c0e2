package normalize

import (
	"strings"

	"github.com/lanner-dev/lanner/event"
)

// Microsoft Defender for Endpoint advanced hunting (exports in JSON or
// CSV). The table is the record's Type / Table / TableName column where it
// has one (Sentinel and API exports), else it follows from ActionType, else
// from the columns present.
//
// DeviceProcessEvents (ActionType ProcessCreated) → ProcessRollup2:
//
//	FolderPath (+ FileName when FolderPath is only the folder) → ImageFileName, FilePath
//	FileName → FileName (same meaning, kept)
//	ProcessCommandLine → CommandLine
//	InitiatingProcessFileName → ParentBaseFileName
//	InitiatingProcessCommandLine → ParentCommandLine
//	InitiatingProcessParentFileName → GrandParentBaseFileName
//	ProcessId → RawProcessId; ProcessUniqueId → TargetProcessId;
//	InitiatingProcessUniqueId → ParentProcessId (where present)
//	AccountName → UserName; AccountSid → UserSid
//	DeviceName → ComputerName; DeviceId → aid
//	Timestamp → timestamp, @timestamp; ProcessCreationTime → ProcessStartTime
//	SHA256 / SHA1 / MD5 → SHA256HashData / SHA1HashData / MD5HashData
//
// DeviceFileEvents FileCreated / FileModified → *FileWritten by extension,
// FileRenamed → FileRenameInfo, FileDeleted → FileDeleteInfo:
// FolderPath (+ FileName) → TargetFileName, InitiatingProcessFileName →
// ContextBaseFileName, InitiatingProcessFolderPath → ContextImageFileName,
// InitiatingProcessAccountName → UserName.
//
// DeviceNetworkEvents ConnectionSuccess / ConnectionAttempt /
// ConnectionFailed / ConnectionRequest / ConnectionAcknowledged →
// NetworkConnectIP4/6, InboundConnectionAccepted → NetworkReceiveAcceptIP4/6,
// ListeningConnectionCreated → NetworkListenIP4/6: LocalIP →
// LocalAddressIP4/6, RemoteIP → RemoteAddressIP4/6 (LocalPort and
// RemotePort keep their names), InitiatingProcess* → Context*. MDE's own
// Protocol column (Tcp, Udp…) keeps its name and text.

type mdeTable uint8

const (
	mdeOther mdeTable = iota
	mdeProcess
	mdeFile
	mdeNetwork
)

func mdeTableOf(e *event.Event) mdeTable {
	for _, k := range [...]string{"Type", "Table", "TableName", "$table"} {
		switch get(e, k).v {
		case "DeviceProcessEvents":
			return mdeProcess
		case "DeviceFileEvents":
			return mdeFile
		case "DeviceNetworkEvents":
			return mdeNetwork
		}
	}
	a := get(e, "ActionType").v
	switch {
	case a == "ProcessCreated":
		return mdeProcess
	case a == "FileCreated" || a == "FileModified" || a == "FileRenamed" || a == "FileDeleted":
		return mdeFile
	case strings.HasPrefix(a, "Connection") || a == "InboundConnectionAccepted" || a == "ListeningConnectionCreated":
		return mdeNetwork
	}
	switch {
	case e.Has("RemoteIP") || e.Has("RemotePort"):
		return mdeNetwork
	case e.Has("ProcessCommandLine"):
		return mdeProcess
	case e.Has("PreviousFileName") || e.Has("FileOriginUrl"):
		return mdeFile
	}
	return mdeOther
}

// mdePath joins FolderPath and FileName unless FolderPath already ends
// with the file name (it does for process events in practice).
func mdePath(folder, name opt) opt {
	if !folder.ok || folder.v == "" {
		return opt{}
	}
	if !name.ok || name.v == "" || strings.EqualFold(baseName(folder.v), name.v) {
		return folder
	}
	sep := `\`
	if strings.Contains(folder.v, "/") && !strings.Contains(folder.v, `\`) {
		sep = "/"
	}
	return some(strings.TrimRight(folder.v, `\/`) + sep + name.v)
}

func mdeCommon(e *event.Event) common {
	c := common{computer: get(e, "DeviceName").nonEmpty(), aid: get(e, "DeviceId").nonEmpty()}
	// MDE covers Linux and macOS too; only a Windows path says Win.
	for _, k := range [...]string{"FolderPath", "InitiatingProcessFolderPath"} {
		if p := get(e, k).v; strings.Contains(p, `\`) {
			c.platform = "Win"
			break
		}
	}
	if t := get(e, "Timestamp").or(get(e, "TimeGenerated")); t.ok {
		c.ms, c.hasMs = parseTime(t.v)
	}
	return c
}

func mde(e *event.Event) {
	g := func(k string) opt { return get(e, k) }
	c := mdeCommon(e)
	action := g("ActionType").v
	name := g("FileName").nonEmpty()
	path := mdePath(g("FolderPath"), name)
	ctxImage := mdePath(g("InitiatingProcessFolderPath"), g("InitiatingProcessFileName"))
	ctxName := g("InitiatingProcessFileName").nonEmpty()
	ctxGuid := g("InitiatingProcessUniqueId").nonEmpty()
	switch mdeTableOf(e) {
	case mdeProcess:
		if action != "" && action != "ProcessCreated" {
			break
		}
		p := proc{common: c}
		p.image = path
		p.name = name
		p.cmd = g("ProcessCommandLine")
		p.parentName = ctxName
		p.parentImage = ctxImage
		p.parentCmd = g("InitiatingProcessCommandLine")
		p.grandParentName = g("InitiatingProcessParentFileName").nonEmpty()
		p.pid = g("ProcessId")
		p.guid = g("ProcessUniqueId")
		p.parentGuid = ctxGuid
		p.user = g("AccountName").nonEmpty()
		p.userSid = g("AccountSid").nonEmpty()
		p.sha256, p.sha1, p.md5 = g("SHA256"), g("SHA1"), g("MD5")
		if t := g("ProcessCreationTime"); t.ok {
			p.startMs, p.hasStart = parseTime(t.v)
		}
		p.apply(e)
		return
	case mdeFile:
		f := fileWrite{common: c}
		switch action {
		case "FileRenamed":
			f.event = "FileRenameInfo"
		case "FileDeleted":
			f.event = "FileDeleteInfo"
		}
		f.target = path
		f.name = name
		f.image = ctxImage
		f.imageName = ctxName
		f.ctxGuid = ctxGuid
		f.user = g("InitiatingProcessAccountName").nonEmpty()
		f.userSid = g("InitiatingProcessAccountSid").nonEmpty()
		f.apply(e)
		return
	case mdeNetwork:
		n := conn{common: c}
		switch action {
		case "InboundConnectionAccepted":
			n.kind = connInbound
		case "ListeningConnectionCreated":
			n.kind = connListen
		}
		n.localIP = g("LocalIP").nonEmpty()
		n.localPort = g("LocalPort")
		n.remoteIP = g("RemoteIP").nonEmpty()
		n.remotePort = g("RemotePort")
		n.protocol = protocolNumber(g("Protocol").v)
		n.image = ctxImage
		n.imageName = ctxName
		n.ctxGuid = ctxGuid
		n.user = g("InitiatingProcessAccountName").nonEmpty()
		n.userSid = g("InitiatingProcessAccountSid").nonEmpty()
		n.apply(e)
		return
	}
	c.user = g("AccountName").or(g("InitiatingProcessAccountName")).nonEmpty()
	c.apply(e)
}

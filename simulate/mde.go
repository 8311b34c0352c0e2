package simulate

import (
	"bytes"
	"strings"
	"time"
)

// Defender for Endpoint advanced-hunting rows, one JSON object per line, as
// the advanced-hunting API returns them (the "Results" rows) or a JSON
// export of a query over DeviceProcessEvents, DeviceFileEvents and
// DeviceNetworkEvents. FileName/FolderPath/ProcessCommandLine describe the
// new process (or the file); InitiatingProcess* the process that acted;
// InitiatingProcessParentFileName is its parent. FolderPath is the full path
// including the file name. Timestamps are ISO 8601 UTC with 7 fractional
// digits.

func mdeTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

func tokenElevation(integrity string) string {
	switch integrity {
	case "High":
		return "TokenElevationTypeFull"
	case "System":
		return "TokenElevationTypeDefault"
	}
	return "TokenElevationTypeLimited"
}

func (w *world) mdeAccount(o *obj, prefix string, p *proc) {
	if p.integrity == "System" {
		o.str(prefix+"AccountDomain", "nt authority").str(prefix+"AccountName", "system").str(prefix+"AccountSid", "S-1-5-18")
		o.str(prefix+"AccountUpn", "").str(prefix+"AccountObjectId", "")
		return
	}
	o.str(prefix+"AccountDomain", strings.ToLower(w.domain)).str(prefix+"AccountName", w.user).str(prefix+"AccountSid", w.userSID)
	o.str(prefix+"AccountUpn", w.user+"@corp.example").str(prefix+"AccountObjectId", "")
}

func (w *world) mdeVersion(o *obj, prefix string, p *proc) {
	v, _ := version(p.name)
	o.str(prefix+"VersionInfoCompanyName", v.Company)
	o.str(prefix+"VersionInfoProductName", v.Product)
	pv := ""
	if f := strings.Fields(v.FileVersion); len(f) > 0 {
		pv = f[0]
	}
	o.str(prefix+"VersionInfoProductVersion", pv)
	o.str(prefix+"VersionInfoInternalFileName", v.OriginalFileName)
	o.str(prefix+"VersionInfoOriginalFileName", v.OriginalFileName)
	o.str(prefix+"VersionInfoFileDescription", v.Description)
}

// initiating writes the InitiatingProcess* columns for process p.
func (w *world) initiating(o *obj, p *proc) {
	w.mdeAccount(o, "InitiatingProcess", p)
	o.num("InitiatingProcessLogonId", int64(w.logonID))
	o.str("InitiatingProcessIntegrityLevel", p.integrity)
	o.str("InitiatingProcessTokenElevation", tokenElevation(p.integrity))
	s256, s1, m5 := hashes(p.image)
	o.str("InitiatingProcessSHA1", s1).str("InitiatingProcessSHA256", s256).str("InitiatingProcessMD5", m5)
	o.str("InitiatingProcessFileName", p.name)
	o.num("InitiatingProcessFileSize", int64(100_000+len(p.image)*4096))
	w.mdeVersion(o, "InitiatingProcess", p)
	o.num("InitiatingProcessId", int64(p.pid))
	o.str("InitiatingProcessCommandLine", p.cmd)
	o.str("InitiatingProcessCreationTime", mdeTime(p.start))
	o.str("InitiatingProcessFolderPath", p.image)
	if p.parent != nil {
		o.num("InitiatingProcessParentId", int64(p.parent.pid))
		o.str("InitiatingProcessParentFileName", p.parent.name)
		o.str("InitiatingProcessParentCreationTime", mdeTime(p.parent.start))
	} else {
		o.num("InitiatingProcessParentId", 0)
		o.str("InitiatingProcessParentFileName", "")
		o.str("InitiatingProcessParentCreationTime", "")
	}
}

func renderMDE(buf *bytes.Buffer, tl *timeline) int {
	w := tl.w
	n := 0
	for _, r := range tl.recs {
		o := newObj()
		o.str("Timestamp", mdeTime(r.t)).str("DeviceId", w.deviceID).str("DeviceName", w.fqdn)
		w.reportID += int64(1 + w.r.IntN(40))
		switch r.kind {
		case procStart:
			p := r.p
			o.str("ActionType", "ProcessCreated")
			o.str("FileName", p.name).str("FolderPath", p.image)
			s256, s1, m5 := hashes(p.image)
			o.str("SHA1", s1).str("SHA256", s256).str("MD5", m5)
			o.num("FileSize", int64(100_000+len(p.image)*4096))
			w.mdeVersion(o, "Process", p)
			o.num("ProcessId", int64(p.pid))
			o.str("ProcessCommandLine", p.cmd)
			o.str("ProcessIntegrityLevel", p.integrity)
			o.str("ProcessTokenElevation", tokenElevation(p.integrity))
			o.str("ProcessCreationTime", mdeTime(p.start))
			w.mdeAccount(o, "", p)
			o.num("LogonId", int64(w.logonID))
			w.initiating(o, p.parent)
		case fileCreate:
			o.str("ActionType", "FileCreated")
			o.str("FileName", baseName(r.path)).str("FolderPath", r.path)
			s256, s1, m5 := hashes(r.path)
			o.str("SHA1", s1).str("SHA256", s256).str("MD5", m5)
			o.num("FileSize", int64(r.size))
			o.str("FileOriginUrl", "").str("FileOriginReferrerUrl", "").str("FileOriginIP", "")
			o.str("PreviousFolderPath", "").str("PreviousFileName", "")
			w.initiating(o, r.p)
			o.str("RequestProtocol", "Local").str("ShareName", "").str("RequestSourceIP", "").str("RequestSourcePort", "")
			o.str("RequestAccountName", "").str("RequestAccountDomain", "").str("RequestAccountSid", "")
		case netConnect:
			o.str("ActionType", "ConnectionSuccess")
			o.str("RemoteIP", r.remoteIP).num("RemotePort", int64(r.port)).str("RemoteUrl", r.hostname)
			o.str("LocalIP", w.localIP).num("LocalPort", int64(r.localPort))
			proto := "Tcp"
			if r.protocol == "udp" {
				proto = "Udp"
			}
			o.str("Protocol", proto).str("LocalIPType", "Private").str("RemoteIPType", "Public")
			w.initiating(o, r.p)
		}
		o.num("ReportId", w.reportID).str("AppGuardContainerId", "")
		buf.Write(o.bytes())
		buf.WriteByte('\n')
		n++
	}
	return n
}

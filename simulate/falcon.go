package simulate

import (
	"bytes"
	"strconv"
	"strings"
)

// Falcon events as FDR delivers them: NDJSON, every value a string,
// `event_simpleName` (not the LogScale tag), `timestamp` in epoch
// milliseconds, Windows image paths as \Device\HarddiskVolumeN\… device
// paths and no FileName (LogScale's parser derives it from ImageFileName).
// ComputerName and UserName are present, as after the aidmaster/userinfo
// enrichment LogScale's Falcon package applies; the seed query projects them.

func integrityRID(level string) string {
	switch level {
	case "Low":
		return "4096"
	case "High":
		return "12288"
	case "System":
		return "16384"
	}
	return "8192"
}

// fileEventName is the Falcon event for a written file, by extension.
func fileEventName(path string) string {
	ext := strings.ToLower(path)
	if i := strings.LastIndexByte(ext, '.'); i >= 0 {
		ext = ext[i+1:]
	}
	switch ext {
	case "exe", "dll", "sys", "scr", "cpl", "ocx", "com", "drv", "efi", "bat", "cmd", "pif":
		return "NewExecutableWritten"
	case "ps1", "psm1", "psd1", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta":
		return "NewScriptWritten"
	case "zip":
		return "ZipFileWritten"
	case "msi":
		return "MsiFileWritten"
	case "lnk":
		return "LnkFileWritten"
	}
	return "GenericFileWritten"
}

func (w *world) falconHead(o *obj, simple, name string, r *rec) {
	o.str("event_simpleName", simple).str("name", name)
	o.str("aid", w.aid).str("aip", w.aip).str("cid", w.cid).str("event_platform", "Win")
	o.str("id", r.evID).str("timestamp", strconv.FormatInt(ms(r.t), 10))
	o.str("ComputerName", w.host)
}

func renderFalcon(buf *bytes.Buffer, tl *timeline) int {
	w := tl.w
	n := 0
	emit := func(o *obj) {
		buf.Write(o.bytes())
		buf.WriteByte('\n')
		n++
	}
	for i, r := range tl.recs {
		vols := tl.vols[i]
		switch r.kind {
		case procStart:
			p := r.p
			o := newObj()
			w.falconHead(o, "ProcessRollup2", "ProcessRollup2V19", r)
			user, sid, auth, session := w.user, w.userSID, strconv.FormatUint(w.logonID, 10), "1"
			if p.integrity == "System" {
				user, sid, auth, session = "SYSTEM", "S-1-5-18", "999", "0"
			}
			o.str("UserName", user).str("UserSid", sid).str("AuthenticationId", auth)
			o.str("CommandLine", p.cmd)
			o.str("ImageFileName", devicePath(p.image, vols))
			o.str("ParentBaseFileName", p.parent.name)
			o.str("ParentProcessId", p.parent.tpid)
			o.str("SourceProcessId", p.parent.tpid)
			o.str("SourceThreadId", r.tid)
			o.str("TargetProcessId", p.tpid)
			o.str("RawProcessId", strconv.Itoa(p.pid))
			o.str("ProcessStartTime", falconSecs(p.start))
			o.str("ProcessEndTime", "")
			o.str("IntegrityLevel", integrityRID(p.integrity))
			o.str("SessionId", session).str("TokenType", "1")
			sub := "2"
			switch strings.ToLower(p.name) {
			case "powershell.exe", "pwsh.exe", "cmd.exe", "cscript.exe", "certutil.exe":
				sub = "3"
			}
			o.str("ImageSubsystem", sub)
			o.str("ProcessCreateFlags", "524292")
			s256, _, m5 := hashes(p.image)
			o.str("SHA256HashData", s256).str("SHA1HashData", "0000000000000000000000000000000000000000").str("MD5HashData", m5)
			o.str("ConfigBuild", "1007.3.0019507.1").str("Entitlements", "15").str("EffectiveTransmissionClass", "3")
			emit(o)
		case fileCreate:
			simple := fileEventName(r.path)
			o := newObj()
			w.falconHead(o, simple, simple+"V3", r)
			o.str("ContextProcessId", r.p.tpid)
			o.str("ContextThreadId", r.tid)
			o.str("ContextTimeStamp", falconSecs(r.t))
			o.str("TargetFileName", devicePath(r.path, vols))
			o.str("Size", strconv.Itoa(r.size))
			o.str("IsOnNetwork", "0").str("IsOnRemovableDisk", "0")
			if simple == "NewExecutableWritten" || simple == "NewScriptWritten" {
				s256, _, _ := hashes(r.path)
				o.str("SHA256HashData", s256)
			}
			o.str("ConfigBuild", "1007.3.0019507.1").str("EffectiveTransmissionClass", "3")
			emit(o)
		case netConnect:
			if r.hostname != "" {
				d := &rec{t: r.t.Add(-40e6), evID: r.evID[:24] + reverse(r.evID[24:]), tid: r.tid}
				o := newObj()
				w.falconHead(o, "DnsRequest", "DnsRequestV4", d)
				o.str("ContextProcessId", r.p.tpid)
				o.str("ContextThreadId", r.tid)
				o.str("ContextTimeStamp", falconSecs(d.t))
				o.str("DomainName", r.hostname)
				o.str("RequestType", "1").str("DualRequest", "0")
				o.str("ConfigBuild", "1007.3.0019507.1").str("EffectiveTransmissionClass", "2")
				emit(o)
			}
			o := newObj()
			w.falconHead(o, "NetworkConnectIP4", "NetworkConnectIP4V5", r)
			o.str("ContextProcessId", r.p.tpid)
			o.str("ContextTimeStamp", falconSecs(r.t))
			o.str("LocalAddressIP4", w.localIP).str("LocalPort", strconv.Itoa(r.localPort))
			o.str("RemoteAddressIP4", r.remoteIP).str("RemotePort", strconv.Itoa(r.port))
			proto := "6"
			if r.protocol == "udp" {
				proto = "17"
			}
			o.str("Protocol", proto).str("ConnectionDirection", "0").str("ConnectionFlags", "0").str("InContext", "0")
			o.str("ConfigBuild", "1007.3.0019507.1").str("EffectiveTransmissionClass", "2")
			emit(o)
		}
	}
	return n
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

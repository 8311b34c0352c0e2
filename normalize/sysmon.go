package normalize

// Sysmon (Microsoft-Windows-Sysmon/Operational), from any Windows layout:
//
//	EID 1  ProcessCreate   → ProcessRollup2
//	EID 3  NetworkConnect  → NetworkConnectIP4/6 (Initiated=true) or
//	                         NetworkReceiveAcceptIP4/6 (Initiated=false)
//	EID 11 FileCreate      → NewExecutableWritten, NewScriptWritten, … by
//	                         the file's extension (GenericFileWritten else)
//
// Sysmon's own ParentProcessId (the parent's OS PID) and Protocol (tcp/udp)
// keep their Sysmon meaning: Falcon uses those names for other things, and
// an original field is never overwritten. The parent's unique ID is in
// ParentProcessGuid.

func sysmonProc(v *winView) proc {
	p := proc{common: v.common()}
	d := v.data
	p.image = d("Image")
	p.cmd = d("CommandLine")
	p.parentImage = d("ParentImage").nonEmpty()
	p.parentCmd = d("ParentCommandLine")
	if u := d("User").nonEmpty(); u.ok {
		p.user = some(userPart(u.v))
	}
	p.pid = d("ProcessId")
	p.guid = d("ProcessGuid")
	p.parentGuid = d("ParentProcessGuid")
	p.hashes = d("Hashes")
	return p
}

func sysmonConn(v *winView) conn {
	c := conn{common: v.common()}
	d := v.data
	src, dst := [2]opt{d("SourceIp"), d("SourcePort")}, [2]opt{d("DestinationIp"), d("DestinationPort")}
	if d("Initiated").v == "false" {
		c.kind = connInbound
		src, dst = dst, src
	}
	c.localIP, c.localPort = src[0], src[1]
	c.remoteIP, c.remotePort = dst[0], dst[1]
	c.protocol = protocolNumber(d("Protocol").v)
	c.image = d("Image")
	c.ctxGuid = d("ProcessGuid")
	if u := d("User").nonEmpty(); u.ok {
		c.user = some(userPart(u.v))
	}
	return c
}

func sysmonFile(v *winView) fileWrite {
	f := fileWrite{common: v.common()}
	d := v.data
	f.target = d("TargetFilename")
	f.image = d("Image")
	f.ctxGuid = d("ProcessGuid")
	if u := d("User").nonEmpty(); u.ok {
		f.user = some(userPart(u.v))
	}
	return f
}

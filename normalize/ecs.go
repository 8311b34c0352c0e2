package normalize

import (
	"strconv"
	"strings"

	"github.com/lanner-dev/lanner/event"
)

// Winlogbeat / Elastic Common Schema. The record is flattened to dotted
// names (process.executable, winlog.event_data.Image…). Windows events are
// recognised from winlog.provider_name / winlog.channel and
// winlog.event_id (or event.code); the Sysmon and 4688 mappings then read
// the EventData names under winlog.event_data, and the ECS fields that
// Elastic's ingest pipelines put in their place take precedence:
//
//	process.executable → ImageFileName, FileName, FilePath
//	process.name → FileName (when there is no executable)
//	process.command_line → CommandLine
//	process.parent.name, else base name of process.parent.executable → ParentBaseFileName
//	process.parent.command_line → ParentCommandLine
//	process.pid → RawProcessId; process.entity_id → TargetProcessId
//	process.parent.entity_id → ParentProcessId
//	user.name → UserName; user.id → UserSid (4688 only: for Sysmon, user.id is Sysmon's own account)
//	winlog.computer_name, else host.name → ComputerName
//	@timestamp → timestamp (epoch ms), @timestamp
//
// A record with event.category "process" and event.type "start" (Elastic
// Defend, Sysmon through other pipelines) is a ProcessRollup2 too.

func ecsHas(e *event.Event, key, want string) bool {
	if v, ok := e.Get(key); ok && v == want {
		return true
	}
	for i := 0; i < 8; i++ {
		v, ok := e.Get(key + "[" + strconv.Itoa(i) + "]")
		if !ok {
			return false
		}
		if v == want {
			return true
		}
	}
	return false
}

func (n *Normalizer) ecs(e *event.Event) {
	g := func(k string) opt { return get(e, k) }
	v := winView{data: func(name string) opt { return get(e, "winlog.event_data."+name) }}
	v.id = g("winlog.event_id").or(g("event.code")).v
	v.provider = g("winlog.provider_name").or(g("event.provider")).v
	v.channel = g("winlog.channel").v
	v.computer = g("winlog.computer_name").or(g("host.name")).or(g("host.hostname")).nonEmpty()
	if t := g("@timestamp"); t.ok {
		v.ms, v.hasMs = parseTime(t.v)
	}
	user := g("user.name").nonEmpty()
	platform := ""
	switch {
	case v.id != "" && (g("winlog.channel").ok || g("winlog.provider_name").ok):
		platform = "Win"
	default:
		switch strings.ToLower(g("host.os.type").or(g("host.os.platform")).v) {
		case "windows":
			platform = "Win"
		case "linux":
			platform = "Lin"
		case "macos", "darwin":
			platform = "Mac"
		}
	}
	cm := func() common { c := v.common(); c.platform = platform; return c }
	guid := g("process.entity_id").nonEmpty()
	image := g("process.executable").nonEmpty()
	sysmon, security := v.sysmon(), v.security()
	switch {
	case sysmon && v.id == "1", security && v.id == "4688",
		ecsHas(e, "event.category", "process") && ecsHas(e, "event.type", "start"):
		var p proc
		switch {
		case sysmon && v.id == "1":
			p = sysmonProc(&v)
		case security && v.id == "4688":
			p = n.security4688(&v)
			p.userSid = g("user.id").nonEmpty().or(p.userSid)
		default:
			p = proc{common: cm()}
		}
		p.platform = platform
		p.image = image.or(p.image)
		p.name = g("process.name").nonEmpty()
		p.cmd = g("process.command_line").or(p.cmd)
		p.parentName = g("process.parent.name").nonEmpty()
		p.parentImage = g("process.parent.executable").nonEmpty().or(p.parentImage)
		p.parentCmd = g("process.parent.command_line").or(p.parentCmd)
		p.pid = g("process.pid").or(p.pid)
		p.guid = guid.or(p.guid)
		p.parentGuid = g("process.parent.entity_id").nonEmpty().or(p.parentGuid)
		p.user = user.or(p.user)
		p.sha256 = g("process.hash.sha256")
		p.sha1 = g("process.hash.sha1")
		p.md5 = g("process.hash.md5")
		if !sysmon && !security {
			p.userSid = g("user.id").nonEmpty()
		}
		p.apply(e)
	case sysmon && v.id == "3":
		c := conn{common: cm()}
		d := v.data
		dir := g("network.direction").v
		inbound := dir == "ingress" || dir == "inbound" || dir == "" && d("Initiated").v == "false"
		src := [2]opt{g("source.ip").or(d("SourceIp")), g("source.port").or(d("SourcePort"))}
		dst := [2]opt{g("destination.ip").or(d("DestinationIp")), g("destination.port").or(d("DestinationPort"))}
		if inbound {
			c.kind = connInbound
			src, dst = dst, src
		}
		c.localIP, c.localPort = src[0], src[1]
		c.remoteIP, c.remotePort = dst[0], dst[1]
		c.protocol = protocolNumber(g("network.transport").or(d("Protocol")).v)
		c.image = image.or(d("Image"))
		c.imageName = g("process.name").nonEmpty()
		c.ctxGuid = guid.or(d("ProcessGuid"))
		c.user = user.or(userOf(d("User")))
		c.apply(e)
	case sysmon && v.id == "11":
		f := fileWrite{common: cm()}
		d := v.data
		f.target = g("file.path").or(d("TargetFilename"))
		f.image = image.or(d("Image"))
		f.imageName = g("process.name").nonEmpty()
		f.ctxGuid = guid.or(d("ProcessGuid"))
		f.user = user.or(userOf(d("User")))
		f.apply(e)
	default:
		c := cm()
		c.user = user
		c.apply(e)
	}
}

func userOf(o opt) opt {
	o = o.nonEmpty()
	if o.ok {
		return some(userPart(o.v))
	}
	return o
}

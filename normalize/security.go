package normalize

import "strings"

// Security 4688 (A new process has been created) → ProcessRollup2.
//
//	NewProcessName → ImageFileName, FileName, FilePath
//	ParentProcessName → ParentBaseFileName (base name)
//	NewProcessId (hex) → RawProcessId (decimal)
//	TargetUserName unless "-", else SubjectUserName → UserName
//	TargetUserSid unless S-1-0-0, else SubjectUserSid → UserSid
//
// 4688 v0/v1 records, and many v2 records, carry no ParentProcessName. For
// them the parent is looked up by the creator's PID (the record's
// ProcessId) among the processes started earlier in the input on the same
// computer (4688 NewProcessId, Sysmon 1 ProcessId); when found it gives
// ParentBaseFileName and ParentCommandLine, else both stay absent. Where
// ParentProcessName is present, ParentCommandLine comes from the same
// lookup when the creator found there has that image.

func (n *Normalizer) security4688(v *winView) proc {
	p := proc{common: v.common()}
	d := v.data
	p.image = d("NewProcessName")
	p.cmd = d("CommandLine")
	p.pid = d("NewProcessId")
	p.parentImage = d("ParentProcessName").nonEmpty()
	user := d("TargetUserName").nonEmpty()
	if !user.ok {
		user = d("SubjectUserName").nonEmpty()
	}
	p.user = user
	sid := d("TargetUserSid").nonEmpty()
	if sid.v == "S-1-0-0" {
		sid = opt{}
	}
	if !sid.ok {
		sid = d("SubjectUserSid").nonEmpty()
	}
	p.userSid = sid
	creator := d("ProcessId")
	if creator.ok {
		if par, ok := n.procs.lookup(p.computer.v, creator.v); ok {
			switch {
			case !p.parentImage.ok:
				p.parentImage = some(par.image)
				p.parentCmd = par.cmd
			case strings.EqualFold(par.image, p.parentImage.v):
				p.parentCmd = par.cmd
			}
		}
	}
	n.procs.remember(p.computer.v, p.pid.v, p.image.v, p.cmd)
	return p
}

// procTable maps (computer, PID) to the last process started with that
// PID, for 4688 records that lack their parent's name.
type procTable struct {
	m map[string]procInfo
}

type procInfo struct {
	image string
	cmd   opt
}

// maxProcs bounds the table; past it the table starts afresh.
const maxProcs = 1 << 20

func procKey(computer, pid string) string {
	return strings.ToLower(computer) + "|" + decimalID(pid)
}

func (t *procTable) remember(computer, pid, image string, cmd opt) {
	if pid == "" || image == "" {
		return
	}
	if t.m == nil || len(t.m) >= maxProcs {
		t.m = make(map[string]procInfo)
	}
	t.m[procKey(computer, pid)] = procInfo{image: image, cmd: cmd}
}

func (t *procTable) lookup(computer, pid string) (procInfo, bool) {
	if t.m == nil || pid == "" {
		return procInfo{}, false
	}
	p, ok := t.m[procKey(computer, pid)]
	return p, ok
}

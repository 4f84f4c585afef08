package runtime

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// nobody is the user and group a container runs as when its pod names
// none: a process runtime has no image user to fall back on, and the
// agent's own (root, as it must be to switch users) is not for pods.
const nobody = 65534

// credential is who a container's processes run as, nil for the agent's
// own user. Only a root agent can switch users: an unprivileged agent runs
// every container as itself, whatever the pod asks (RunsAs answers which,
// and nothing claims otherwise).
//
// The user is runAsUser, else the configured default (nobody). The group
// is runAsGroup; else the default group when the user defaulted too; else
// the user's primary group in the host's user database, or 0 for a user it
// does not know — as a container runtime does with the image's /etc/passwd
// (the process runtime's image is the host). Supplementary groups are the
// pod's and nothing of the agent's.
func (p *Process) credential(spec ContainerSpec) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	uid, gid := p.cfg.defaultUser(), p.cfg.defaultGroup()
	if spec.RunAsUser != nil {
		uid = *spec.RunAsUser
		gid = primaryGroup(uid)
	}
	if spec.RunAsGroup != nil {
		gid = *spec.RunAsGroup
	}
	cred := &syscall.Credential{}
	var err error
	if cred.Uid, err = id32("runAsUser", uid); err != nil {
		return nil, err
	}
	if cred.Gid, err = id32("runAsGroup", gid); err != nil {
		return nil, err
	}
	for _, g := range spec.SupplementalGroups {
		id, err := id32("supplementalGroups", g)
		if err != nil {
			return nil, err
		}
		cred.Groups = append(cred.Groups, id)
	}
	return cred, nil
}

// RunsAs is the uid a container of spec runs as on this runtime: the
// pod's choice (or the default) under a root agent, the agent's own uid
// otherwise.
func (p *Process) RunsAs(spec ContainerSpec) (int, error) {
	cred, err := p.credential(spec)
	if err != nil || cred == nil {
		return os.Geteuid(), err
	}
	return int(cred.Uid), nil
}

func (c ProcessConfig) defaultUser() int64 {
	if c.DefaultRunAsUser != nil {
		return *c.DefaultRunAsUser
	}
	return nobody
}

func (c ProcessConfig) defaultGroup() int64 {
	if c.DefaultRunAsGroup != nil {
		return *c.DefaultRunAsGroup
	}
	return nobody
}

// primaryGroup is uid's group in the host's user database, 0 if unknown.
func primaryGroup(uid int64) int64 {
	u, err := user.LookupId(strconv.FormatInt(uid, 10))
	if err != nil {
		return 0
	}
	gid, err := strconv.ParseInt(u.Gid, 10, 64)
	if err != nil {
		return 0
	}
	return gid
}

func id32(field string, v int64) (uint32, error) {
	if v < 0 || v > 1<<32-2 {
		return 0, fmt.Errorf("securityContext.%s %d: out of range", field, v)
	}
	return uint32(v), nil
}

// shareImages lets the containers' users reach the images: the runtime's
// directory must be traversable and readable by others (a directory made
// by os.MkdirTemp is its creator's alone). Its parents are the operator's
// to open; a container that cannot enter its image directory fails to
// start with the permission error.
func shareImages(dir string) error {
	if os.Geteuid() != 0 {
		return nil // the containers run as the agent, who reaches them
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("images %q: %w", dir, err)
	}
	if mode := st.Mode().Perm(); mode&0o005 != 0o005 {
		if err := os.Chmod(dir, mode|0o055); err != nil {
			return fmt.Errorf("images %q: open to the containers' users: %w", dir, err)
		}
	}
	return nil
}

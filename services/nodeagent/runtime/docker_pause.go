package runtime

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	goruntime "runtime"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/jsonmessage"
)

// PauseImage holds each pod's network namespace, as Kubernetes' pause
// image does. The runtime imports it itself when the engine lacks it: the
// project's engines have no registry to pull from, and a node agent has no
// Go toolchain to build one.
const PauseImage = "jetplane/pause:1"

// pauseLoops is the machine code of a process that blocks forever in a
// system call: pause(2) on amd64; ppoll(NULL, 0, NULL, NULL) on arm64,
// which has no pause. As PID 1 of its container it ignores SIGTERM, so the
// runtime removes sandboxes with SIGKILL.
var pauseLoops = map[string]struct {
	machine elf.Machine
	code    []byte
}{
	"amd64": {elf.EM_X86_64, []byte{
		0xb8, 0x22, 0x00, 0x00, 0x00, // loop: mov eax, 34 (SYS_pause)
		0x0f, 0x05, //                         syscall
		0xeb, 0xf7, //                         jmp loop
	}},
	"arm64": {elf.EM_AARCH64, le32(
		0xaa1f03e0, // mov x0, xzr
		0xaa1f03e1, // mov x1, xzr
		0xaa1f03e2, // mov x2, xzr
		0xaa1f03e3, // mov x3, xzr
		0xd2800928, // loop: mov x8, #73 (SYS_ppoll)
		0xd4000001, //       svc #0
		0x17fffffe, //       b loop
	)},
}

func le32(words ...uint32) []byte {
	b := make([]byte, 0, 4*len(words))
	for _, w := range words {
		b = binary.LittleEndian.AppendUint32(b, w)
	}
	return b
}

// pauseELF is a static ELF executable of the pause loop for goarch: one
// header, one loadable segment, the code right after them.
func pauseELF(goarch string) ([]byte, error) {
	loop, ok := pauseLoops[goarch]
	if !ok {
		return nil, fmt.Errorf("pause image: no pause program for %s", goarch)
	}
	const base = 0x400000
	headers := uint64(binary.Size(elf.Header64{}) + binary.Size(elf.Prog64{}))
	size := headers + uint64(len(loop.code))
	hdr := elf.Header64{
		Type: uint16(elf.ET_EXEC), Machine: uint16(loop.machine), Version: uint32(elf.EV_CURRENT),
		Entry: base + headers, Phoff: uint64(binary.Size(elf.Header64{})),
		Ehsize: uint16(binary.Size(elf.Header64{})), Phentsize: uint16(binary.Size(elf.Prog64{})), Phnum: 1,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	hdr.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	hdr.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	prog := elf.Prog64{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X),
		Vaddr: base, Paddr: base, Filesz: size, Memsz: size, Align: 0x1000}
	var out bytes.Buffer
	_ = binary.Write(&out, binary.LittleEndian, hdr)
	_ = binary.Write(&out, binary.LittleEndian, prog)
	out.Write(loop.code)
	return out.Bytes(), nil
}

// ensurePauseImage imports PauseImage for the engine's architecture unless
// it is there already.
func (d *Docker) ensurePauseImage(ctx context.Context) error {
	d.pauseOnce.Lock()
	defer d.pauseOnce.Unlock()
	if d.pauseReady {
		return nil
	}
	if _, err := d.cli.ImageInspect(ctx, PauseImage); err == nil {
		d.pauseReady = true
		return nil
	} else if !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("pause image: %w", err)
	}
	arch := d.arch
	if arch == "" {
		arch = goruntime.GOARCH
	}
	exe, err := pauseELF(arch)
	if err != nil {
		return err
	}
	var rootfs bytes.Buffer
	tw := tar.NewWriter(&rootfs)
	if err := tw.WriteHeader(&tar.Header{Name: "pause", Mode: 0o755, Size: int64(len(exe)),
		ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("pause image: %w", err)
	}
	tw.Write(exe)
	tw.Close()
	body, err := d.cli.ImageImport(ctx, client.ImageImportSource{Source: &rootfs, SourceName: "-"}, PauseImage,
		client.ImageImportOptions{Changes: []string{`ENTRYPOINT ["/pause"]`}, Message: "jetplane pod sandbox"})
	if err != nil {
		return fmt.Errorf("pause image: import: %w", err)
	}
	defer body.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(body, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("pause image: import: %w", err)
	}
	d.pauseReady = true
	return nil
}

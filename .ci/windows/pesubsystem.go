//go:build ignore

// Pesubsystem copies a Windows executable and sets the copy's subsystem,
// as Microsoft's "editbin /SUBSYSTEM:CONSOLE" does. The build makes
// dialtone.com from dialtone.exe with it: the same bytes (code, icon,
// version information, manifest) except the one field that tells Windows
// to give the program a console, so "dialtone login" typed in cmd.exe or
// PowerShell prints its output and returns its exit code.
//
//	go run .ci/windows/pesubsystem.go -subsystem console dialtone.exe dialtone.com
//
// Go writes no PE checksum (it is zero), so nothing else needs updating;
// sign the copy after making it, never before.
package main

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
)

// subsystems are the values -subsystem accepts.
var subsystems = map[string]uint16{
	"console": pe.IMAGE_SUBSYSTEM_WINDOWS_CUI,
	"windows": pe.IMAGE_SUBSYSTEM_WINDOWS_GUI,
}

func main() {
	name := flag.String("subsystem", "console", "the copy's subsystem: console or windows")
	flag.Parse()
	want, ok := subsystems[*name]
	if !ok || flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: pesubsystem -subsystem console|windows IN OUT")
		os.Exit(2)
	}
	if err := copyWithSubsystem(flag.Arg(0), flag.Arg(1), want); err != nil {
		fmt.Fprintln(os.Stderr, "pesubsystem:", err)
		os.Exit(1)
	}
}

func copyWithSubsystem(in, out string, subsystem uint16) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	off, err := subsystemOffset(data)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	binary.LittleEndian.PutUint16(data[off:], subsystem)
	if err := checkSubsystem(data, subsystem); err != nil {
		return fmt.Errorf("%s: %w", out, err)
	}
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, data, 0o755); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

// subsystemOffset finds the Subsystem field of a PE32+ image: the PE
// header's offset is at 0x3c; the optional header follows the 4-byte
// signature and the 20-byte file header; Subsystem is 68 bytes into it.
func subsystemOffset(data []byte) (int, error) {
	f, err := pe.NewFile(bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	if _, ok := f.OptionalHeader.(*pe.OptionalHeader64); !ok {
		return 0, errors.New("not a 64-bit (PE32+) executable")
	}
	if len(data) < 0x40 {
		return 0, errors.New("too short")
	}
	off := int(binary.LittleEndian.Uint32(data[0x3c:])) + 4 + 20 + 68
	if off+2 > len(data) || binary.LittleEndian.Uint16(data[off-68:]) != 0x20b {
		return 0, errors.New("the optional header is not where the PE header says")
	}
	return off, nil
}

// checkSubsystem reads the patched image back with debug/pe.
func checkSubsystem(data []byte, want uint16) error {
	f, err := pe.NewFile(bytes.NewReader(data))
	if err != nil {
		return err
	}
	if got := f.OptionalHeader.(*pe.OptionalHeader64).Subsystem; got != want {
		return fmt.Errorf("subsystem is %d after patching, want %d", got, want)
	}
	return nil
}

//go:build ignore

// Argprobe stands in for dialtone.exe in .ci/windows/msi-wine-test: it
// writes the arguments Windows started it with to C:\argprobe.json, so the
// test sees what a tel: or callto: link hands to the installed handler.
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	data, err := json.Marshal(os.Args[1:])
	if err == nil {
		err = os.WriteFile(`C:\argprobe.json`, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "argprobe:", err)
		os.Exit(1)
	}
}

package instance_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"dialtone/internal/instance"
)

// Acquire comes first in the desktop app's start, before the app is
// created; the command line (login, status, logout) never calls it.
func ExampleAcquire() {
	dir, err := os.UserConfigDir() // Dialtone uses platform.ConfigDir()
	if err != nil {
		log.Fatal(err)
	}
	cfg := instance.Config{Path: filepath.Join(dir, "Dialtone", "instance.json")}
	running, err := instance.Acquire(context.Background(), cfg, os.Args[1:])
	switch {
	case errors.Is(err, instance.ErrHandedOff):
		os.Exit(0) // the open window has the arguments and comes to the front
	case err != nil:
		log.Fatal(err) // say so; never open a second window
	}
	defer running.Close()
	go func() {
		for args := range running.Handoffs() {
			// In Dialtone: fyne.Do(func() { raise the window; dial what
			// ParseDialURI finds in args }).
			fmt.Println("another launch:", args)
		}
	}()
	// … create and run the app …
}

func ExampleParseDialURI() {
	for _, link := range []string{"tel:+1-201-555-0123;ext=7", "callto://+12015550123", "callto:alice", "--demo"} {
		d, err := instance.ParseDialURI(link)
		switch {
		case errors.Is(err, instance.ErrNotDialURI):
			fmt.Printf("%s: not a link\n", link)
		case err != nil:
			fmt.Printf("%s: %v\n", link, err)
		default:
			fmt.Printf("%s: dial %s ext %q\n", link, d.Number, d.Extension)
		}
	}
	// Output:
	// tel:+1-201-555-0123;ext=7: dial +1-201-555-0123 ext "7"
	// callto://+12015550123: dial +12015550123 ext ""
	// callto:alice: instance: the link holds no phone number: 'a' cannot be part of a phone number
	// --demo: not a link
}

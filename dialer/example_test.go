package dialer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"dialtone/dialer"
)

// An agent in Australia types a mobile number; the field shows it formatted as they go, and Call validates it.
func Example() {
	region := dialer.RegionFromLocale("en_AU.UTF-8")
	var in dialer.Input
	press := func(keys string) {
		for _, r := range keys {
			if err := in.Press(r); err != nil {
				fmt.Println("rejected:", err)
			}
		}
	}
	press("0412 345")
	fmt.Println("while typing:", dialer.FormatAsYouType(in.String(), region))
	press(" 678")
	n, err := dialer.Validate(in.String(), region)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n.Display(region), n.International, n.E164)
	// Output:
	// while typing: 0412 345
	// 0412 345 678 +61 412 345 678 +61412345678
}

func ExampleValidate_errors() {
	for _, typed := range []string{"", "1234", "04123", "+999123456"} {
		_, err := dialer.Validate(typed, "AU")
		switch {
		case errors.Is(err, dialer.ErrEmpty):
			fmt.Println("Enter a number to call.")
		case errors.Is(err, dialer.ErrTooShort):
			fmt.Println("That number is too short.")
		case errors.Is(err, dialer.ErrInvalidForRegion):
			fmt.Println("That is not a valid Australian number.")
		case errors.Is(err, dialer.ErrCountryCode):
			fmt.Println("Check the country code after +.")
		}
	}
	// Output:
	// Enter a number to call.
	// That number is too short.
	// That is not a valid Australian number.
	// Check the country code after +.
}

func ExampleInput_Paste() {
	var in dialer.Input
	fmt.Println(in.Paste("tel:+1 (415) 555-2671"), in.String())
	var charErr *dialer.CharError
	err := in.Paste("ext. 22, please")
	fmt.Println(errors.As(err, &charErr), string(charErr.Char), in.String())
	// Output:
	// <nil> +14155552671
	// true , +14155552671
}

func ExampleOpenHistory() {
	dir, cleanup := tempDir()
	defer cleanup()
	h, err := dialer.OpenHistory(filepath.Join(dir, "history.json"))
	if err != nil {
		fmt.Println("history:", err) // h is still usable
	}
	for _, n := range []string{"+61412345678", "+61298765432", "+61412345678"} {
		if err := h.Add(n); err != nil {
			fmt.Println(err)
		}
	}
	fmt.Println(h.Numbers())
	// Output: [+61412345678 +61298765432]
}

func ExamplePresenceTracker() {
	start := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	tracker := dialer.NewPresenceTracker(func() time.Time { return start })
	cancel := tracker.Subscribe(func(p dialer.Presence) {
		fmt.Println(p.Describe(start)) // a Fyne UI would call fyne.Do here
	})
	defer cancel()
	tracker.SetOnline()
	tracker.SetReconnecting(20 * time.Second)
	// Output:
	// Signed out
	// Online
	// Reconnecting — next try in 20 s
}

func ExampleNoLine() {
	var line dialer.Line = dialer.NoLine{}
	fmt.Println(dialer.HasLine(line))
	n, _ := dialer.Validate("0412345678", "AU")
	err := line.Call(context.Background(), n)
	fmt.Println(errors.Is(err, dialer.ErrNoLine), err)
	// Output:
	// false
	// true dialer: no phone line is set up for this account
}

// tempDir stands in for the user config directory (os.UserConfigDir) in examples.
func tempDir() (string, func()) {
	dir, err := os.MkdirTemp("", "dialer-example")
	if err != nil {
		panic(err)
	}
	return dir, func() { os.RemoveAll(dir) }
}

// Command barewindow is the floor that docs/benchmarks.md holds Dialtone
// against: a Fyne window that shows one label, at Dialtone's default window
// size, built with the same Fyne version and flags. It prints
//
//	barewindow: first frame shown
//	barewindow: started
//
// on stderr once its first frame is on screen, and once Fyne has started
// (its tray too, with -tray), so that .ci/bench can time its launch the way
// it times Dialtone's, and it runs until it is closed or gets SIGTERM.
//
// With -tray it also sets a system tray menu, as Dialtone does; Fyne then
// starts the tray and opens a hidden second window ("SystrayMonitor") with
// its own OpenGL context, which is part of what Dialtone pays at launch.
//
// It must never import a Dialtone package: it is the floor, Fyne alone.
package main

import (
	"flag"
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// FirstFrame is the line printed once the first frame is shown, and
// Started the one printed once Run has started (the tray too, with -tray).
const (
	FirstFrame = "barewindow: first frame shown"
	Started    = "barewindow: started"
)

// Dialtone's default window size (ui.defaultWidth, ui.defaultHeight).
const width, height = 420, 640

func main() {
	tray := flag.Bool("tray", false, "also set a system tray menu, as Dialtone does")
	flag.Parse()
	a := app.NewWithID("io.dialtone.bench.barewindow")
	w := a.NewWindow("Bare window")
	w.SetContent(widget.NewLabel("Hello from a bare Fyne window"))
	w.Resize(fyne.NewSize(width, height))
	if d, ok := a.(desktop.App); ok && *tray {
		d.SetSystemTrayMenu(fyne.NewMenu("Bare window", fyne.NewMenuItem("Show", w.Show)))
	}
	// Show, called before Run on the main goroutine, creates the window and
	// paints its first frame before it returns (Fyne 2.7's GLFW driver);
	// Run then starts the tray, if any, and calls the OnStarted hook. Fyne
	// 2.7 has no per-window "shown" hook.
	a.Lifecycle().SetOnStarted(func() { fmt.Fprintln(os.Stderr, Started) })
	w.Show()
	fmt.Fprintln(os.Stderr, FirstFrame)
	a.Run()
}

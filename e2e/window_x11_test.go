package e2e

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// window is the app's X window, driven with xdotool and photographed with
// ImageMagick's import.
type window struct {
	t  *testing.T
	id string
}

// findWindow waits for the window of process pid, named Dialtone; for any
// window named Dialtone when pid is 0 (wine names the X window after the
// Windows one, but its pid is not the one the test started).
func findWindow(t *testing.T, pid int, exited <-chan struct{}) *window {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), screenWait)
	defer cancel()
	go func() {
		select {
		case <-exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	args := []string{"search", "--sync", "--onlyvisible"}
	if pid != 0 {
		args = append(args, "--pid", strconv.Itoa(pid))
	}
	out, err := exec.CommandContext(ctx, "xdotool", append(args, "--name", "^Dialtone$")...).Output()
	ids := strings.Fields(string(out))
	if err != nil || len(ids) == 0 {
		t.Fatalf("no Dialtone window appeared within %s (xdotool: %v; log in %s)", screenWait, err, suite.logs)
	}
	return &window{t: t, id: ids[0]}
}

// xdotool runs xdotool with args.
func (w *window) xdotool(args ...string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.t.Context(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "xdotool", args...).CombinedOutput(); err != nil {
		w.t.Fatalf("xdotool %s: %v\n%s", args[0], err, out)
	}
}

// focus gives the window the keyboard. Xvfb runs no window manager, so
// xdotool sets the input focus itself (windowactivate needs one).
func (w *window) focus() {
	w.t.Helper()
	w.xdotool("windowfocus", "--sync", w.id)
}

// capture photographs the window as it is on screen now.
func (w *window) capture() (*image.RGBA, error) {
	ctx, cancel := context.WithTimeout(w.t.Context(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "import", "-window", w.id, "png:-").Output()
	if err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		return nil, err
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	return rgba, nil
}

// settle describes when a picture of the window shows a new screen fully
// drawn.
type settle struct {
	// from is the picture of the screen before; the new one must differ
	// from it in more than minChange pixels. Nil means any picture that is
	// not a single colour.
	from      *image.RGBA
	minChange int
	// maxJitter is how many pixels may change between three pictures in a
	// row (a spinner, a blinking cursor, a countdown) for the screen to
	// count as drawn.
	maxJitter int
}

// Settings for another screen (which may turn a spinner or count down),
// and for text typed into a field.
var (
	newScreen = settle{minChange: 4000, maxJitter: 6000}
	typedText = settle{minChange: 150, maxJitter: 100}
)

// after is s for a screen that follows the picture from.
func (s settle) after(from *image.RGBA) settle {
	s.from = from
	return s
}

// waitDrawn photographs the window until it shows a new screen, fully
// drawn, by s; Fyne draws a screen on its next frame, after the app has
// logged it.
func (w *window) waitDrawn(s settle) *image.RGBA {
	w.t.Helper()
	deadline := time.Now().Add(screenWait)
	var recent []*image.RGBA
	var lastErr error
	for time.Now().Before(deadline) {
		img, err := w.capture()
		if err != nil {
			lastErr = err
			continue
		}
		if uniform(img) || s.from != nil && diff(img, s.from) <= s.minChange {
			recent = recent[:0]
			continue
		}
		recent = append(recent, img)
		if n := len(recent); n >= 3 && diff(recent[n-1], recent[n-2]) <= s.maxJitter && diff(recent[n-2], recent[n-3]) <= s.maxJitter {
			return img
		}
	}
	w.t.Fatalf("the window did not settle on a new screen within %s (last capture error: %v)", screenWait, lastErr)
	return nil
}

// diff counts the pixels in which a and b differ; pictures of different
// sizes differ everywhere.
func diff(a, b *image.RGBA) int {
	if a.Bounds() != b.Bounds() {
		return a.Bounds().Dx() * a.Bounds().Dy()
	}
	n := 0
	for i := 0; i+3 < len(a.Pix); i += 4 {
		if !bytes.Equal(a.Pix[i:i+3], b.Pix[i:i+3]) {
			n++
		}
	}
	return n
}

// uniform reports whether img is a single colour: a window not drawn yet.
func uniform(img *image.RGBA) bool {
	for i := 4; i+3 < len(img.Pix); i += 4 {
		if !bytes.Equal(img.Pix[i:i+3], img.Pix[0:3]) {
			return false
		}
	}
	return true
}

// savePNG writes img to path as PNG.
func savePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatalf("could not save the screenshot: %v", err)
	}
}

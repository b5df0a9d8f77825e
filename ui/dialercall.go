package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/dialer"
)

// callOrCancel places a call to the number, or cancels the call being placed.
func (s *DialerScreen) callOrCancel() {
	if s.cancelCall != nil {
		s.cancelCall()
		return
	}
	if !dialer.HasLine(s.cfg.Line) {
		return
	}
	n, err := dialer.Validate(s.input.String(), s.cfg.Region)
	if err != nil {
		s.setMessage(numberMessage(err), true)
		return
	}
	s.remember(n)
	s.placeCall(n)
}

// remember puts n at the top of the recent numbers.
func (s *DialerScreen) remember(n dialer.Number) {
	if s.cfg.History == nil {
		return
	}
	if err := s.cfg.History.Add(n.E164); err != nil {
		fyne.LogError("could not save the recent numbers", err)
	}
	s.refreshRecent()
}

// placeCall asks the line to call n off the UI thread; Cancel (or Escape) cancels the attempt.
func (s *DialerScreen) placeCall(n dialer.Number) {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancelCall = cancel
	s.setCalling(true)
	s.status.SetText("Calling " + n.Display(s.cfg.Region) + "…")
	line := s.cfg.Line
	s.calls.Go(func() {
		err := line.Call(ctx, n)
		cancel()
		fyne.Do(func() { s.callDone(n, err) })
	})
}

// callDone shows how the call attempt to n ended.
func (s *DialerScreen) callDone(n dialer.Number, err error) {
	s.cancelCall = nil
	if errors.Is(err, dialer.ErrNoLine) {
		s.cfg.Line = nil // the account lost its line: calling stays off
	}
	s.setCalling(false)
	if err != nil {
		s.status.SetText(callMessage(err))
		return
	}
	s.status.SetText("Call placed to " + n.Display(s.cfg.Region) + ".")
}

// setCalling switches the Call button between Call, Cancel and disabled.
func (s *DialerScreen) setCalling(calling bool) {
	s.call.SetText("Call")
	s.call.SetIcon(theme.NewThemedResource(phoneIcon))
	s.call.Importance = widget.HighImportance
	if calling {
		s.call.SetText("Cancel")
		s.call.SetIcon(theme.CancelIcon())
		s.call.Importance = widget.DangerImportance
	}
	if dialer.HasLine(s.cfg.Line) {
		s.call.Enable()
		s.status.SetText("")
	} else {
		s.call.Disable()
		s.status.SetText(s.callHint())
	}
	s.call.Refresh()
}

// callHint says why the Call button is off.
func (s *DialerScreen) callHint() string {
	if s.hasLine {
		return registeredHint
	}
	return noLineHint
}

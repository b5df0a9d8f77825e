package ui

import (
	"dialtone/auth"
	"dialtone/internal/agent"
	"dialtone/internal/browser"
	"dialtone/internal/directory"
	"dialtone/internal/session"
)

// Dialtone's own types satisfy the interfaces the UI declares.
var (
	_ Starter      = (*session.Store)(nil)
	_ Signer       = (*session.Store)(nil)
	_ Keeper       = (*agent.Agent)(nil)
	_ Finder       = (*directory.Client)(nil)
	_ auth.Browser = browser.System{}
	_ auth.Browser = (*browser.Command)(nil)
)

package ui

import "dialtone/auth"

// Dialtone's own types satisfy the interfaces the UI declares.
var (
	_ Starter = (*auth.Sessions)(nil)
	_ Signer  = (*auth.Sessions)(nil)
	_ Leaver  = (*auth.Sessions)(nil)
	_ Keeper  = (*auth.Sessions)(nil)
	_ Finder  = (*auth.Directory)(nil)
	_ Opener  = auth.SystemBrowser{}
	_ Opener  = (*auth.CommandBrowser)(nil)
)

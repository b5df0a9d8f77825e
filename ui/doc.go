// Package ui is Dialtone's desktop window: the silent sign-in at launch, the email, provider and browser
// screens of an interactive sign-in, the problems that can stop it, and the dialer once the agent is signed in.
//
// App is the shell: it holds the window, shows one screen at a time, runs the one blocking call the agent waits
// for (jobs) and reports each screen to Deps.OnScreen. Each screen is a type of its own with its own widgets and
// state, built the first time it is shown; screens move the app on through the nav interface. What keeps the
// signed-in agent reachable (keep-alive, presence, sign-out) is not drawing: it is internal/agent, behind Keeper.
//
// It never touches the network, the keyring or the browser itself: every such call goes through the small
// interfaces in Deps, runs in a goroutine with a context that a Cancel can cancel, and hands its result back to
// the Fyne thread with fyne.Do. It must never import net/http, internal/keyring, go-keyring, D-Bus, the browser
// package (internal/browser), pkg/browser or fyne.io/fyne/v2/app, so tests run without a display (TestImports);
// the packages whose types Deps names (session, agent, directory, problem) do link net/http and the keyring's
// client into its build, unused by ui itself. The sign-in's, the keyring's and the line's problems are worded by
// internal/problem; only the dialer's typing and calling errors have sentences of ui's own (dialermessages.go).
package ui

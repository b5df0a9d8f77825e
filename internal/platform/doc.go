// Package platform says where Dialtone keeps things on each operating
// system, and reads the settings an admin made at install time:
//
//   - ConfigDir: session metadata, history, the instance rendezvous
//     (Windows %AppData%\Dialtone, roaming with the profile; Linux
//     $XDG_CONFIG_HOME/dialtone; macOS ~/Library/Application Support/Dialtone).
//   - LogDir and OpenLog: the log file (Windows %LocalAppData%\Dialtone\logs,
//     which does not roam; elsewhere the user cache folder's dialtone/logs).
//   - DirectoryURL: the provider directory the installer was given
//     (Windows registry, policy first; nothing elsewhere).
//
// Secrets never go here: the refresh token lives only in the OS keyring.
//
// The command line on Windows needs nothing from this package. Dialtone
// ships as two files with the same bytes but one field: dialtone.exe (GUI
// subsystem: no console window when started from the Start menu or a tel:
// link) and dialtone.com (console subsystem; .ci/windows/build makes it by
// setting the PE header's subsystem, as editbin /SUBSYSTEM:CONSOLE does).
// cmd.exe and PowerShell try PATHEXT in order, .COM before .EXE, so
// "dialtone login" typed in a terminal runs dialtone.com, which has the
// terminal as its console: it prints and its exit code reaches %ERRORLEVEL%
// and $LASTEXITCODE. Nothing attaches to or allocates a console at run time
// (AttachConsole from a GUI program cannot make cmd.exe wait for it, nor
// give it the exit code).
//
// It must never import Fyne, the keyring or the network.
package platform

# Shared by the scripts in .ci/windows: where the Windows build and the
# wine prefixes are cached. Source it; it defines no functions that run
# anything by themselves.
#
# DIALTONE_CI_CACHE moves the whole cache (default: $XDG_CACHE_HOME or
# ~/.cache, then dialtone-ci). Set it when a step runs under .ci/with-keyring,
# which points XDG_CACHE_HOME at a throw-away folder.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${DIALTONE_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dialtone-ci}/windows
out=$root/.ci/windows/out
wine=${WINE:-/usr/lib/wine/wine64}
wineserver=${WINESERVER:-/usr/lib/wine/wineserver}
mingw=x86_64-w64-mingw32-gcc
fyne_tools=fyne.io/tools/cmd/fyne@v1.7.4

# fyne_field prints a [Details] field of FyneApp.toml (Name, ID, Version,
# Build).
fyne_field() {
  sed -n "/^\[Details\]/,/^\[/s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\{0,1\}\([^\"]*\)\"\{0,1\}[[:space:]]*$/\1/p" "$root/FyneApp.toml"
}

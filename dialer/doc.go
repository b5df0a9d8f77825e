// Package dialer models what a call-centre agent dials: the characters typed or pasted into the number field,
// validation and formatting of phone numbers, the history of dialled numbers, the agent's presence, and the phone
// line a call is placed on. It has no widgets and does no network I/O.
//
// It must never import Fyne, the network (net, net/http) or the sign-in, session and line packages: the UI and
// internal/agent read its types, never the other way round.
package dialer

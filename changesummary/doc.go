// Package changesummary says in one line what a change to an object
// changed, as a person would put it: "image hello: jetplane/hello:1 →
// jetplane/hello:2", "replicas 3 → 6", "label app added", and whether it
// only moved its status (what `jetplane history` hides unless --all), and
// which field manager made it (the managedFields entry it touched).
//
// It is pure: two decoded objects (generic JSON maps) in, a Summary out.
// Values of data maps (ConfigMaps, Secrets) are never shown, only their
// keys.
package changesummary

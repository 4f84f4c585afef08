// Package customresources turns CustomResourceDefinitions into served
// resources, with the apiextensions-apiserver packages kube-apiserver
// itself uses: a definition is validated (ValidateCustomResourceDefinition),
// defaulted and given its status (names accepted, established, stored
// versions); its storage version's structural schema prunes unknown
// fields, fills defaults and validates each custom object. Sync and
// Forget keep the registry of kinds (events.Register) in step with the
// definitions the log holds.
//
// It decides and does no I/O: plain objects in, field errors out.
package customresources

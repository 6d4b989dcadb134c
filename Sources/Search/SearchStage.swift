// The Search stage; see docs/architecture.md.

// The Cost stage; see docs/architecture.md.

// The Import stage; see docs/architecture.md.

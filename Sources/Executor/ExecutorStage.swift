// The Executor stage; see docs/architecture.md.

"""Auditing, read-only: verification (the chain, store <-> topic, consumed <-> tracked), export,
replay under published names, and the order trail across services. What recording maintains for it
lives beside the store: the hash chain (`shared.runtime.chain`) and the outbox archive
(`shared.runtime.archive`)."""

"""The sync daemon and the wire protocol (`protocol` is the one module both ends import)."""

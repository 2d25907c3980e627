"""Autofixes: LibCST rewrites of the nodes that fixable findings point at.

Importing this package does not import LibCST; `pipeline` loads it only when a file has a fixable finding.
"""

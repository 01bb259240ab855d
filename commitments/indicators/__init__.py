"""Indicator frameworks beside the compact: the SDGs, a GCM indicator set, national sets.

A framework is data, not code: a named, versioned hierarchy of items (goal / target /
indicator) loaded from a documented YAML or CSV file, matched by code on every load so that
links from actions, evidence and results survive a new version (removed items are kept and
marked retired).
"""

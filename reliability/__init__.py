"""Fault injection and hostile input, shared by the test suite and `bench --only reliability`.

The tests assert on what these modules count; the bench prints the same counts as one table.
Nothing here is imported by the application itself.
"""

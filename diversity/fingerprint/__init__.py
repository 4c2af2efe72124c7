"""Who runs what: signed declarations, inference from on-chain behaviour, and the shares.

features -> classifier -> assignments -> shares; declarations feed assignments; evaluate checks
the whole chain against the simulator's ground truth.
"""

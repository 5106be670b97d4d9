"""The speed machinery, which a first reader may skip: a training step split over processes that share memory,
the helper process that runs the other part, and a thread team for work between steps.

The step computes what core/nn/reference.py computes (tests/core/nn/test_reference.py holds them equal).
"""

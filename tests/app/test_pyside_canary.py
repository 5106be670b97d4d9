"""Canary for PySide6 6.12.0 on Python 3.11, which loses a reference to None on every void Qt call.

The app then aborts with `Fatal Python error: none_dealloc` after seconds of painting, while short
tests pass. pyproject.toml pins PySide6-Essentials below 6.12; this test fails if a bump brings the bug back.
"""
import sys

from PySide6.QtGui import QImage, QPainter


def test_void_qt_calls_keep_the_reference_count_of_none():
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    calls = 1_000       # enough to see the leak, too few to drive None's count to zero and abort
    before = sys.getrefcount(None)
    for _ in range(calls):
        painter.save()
        painter.restore()
    after = sys.getrefcount(None)
    painter.end()
    # The bug drops one reference per call (-2,000 here); other activity moves the count by a few.
    assert abs(after - before) < 100

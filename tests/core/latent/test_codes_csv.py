"""Latent codes as a CSV table: a row per image with its class, its code and (VAE) its log-variances."""
from __future__ import annotations

import csv

import numpy as np
import pytest

from core.latent.codes_csv import write_codes_csv

CLASSES = ("T-shirt/top", "Trouser, long", "Pullover")


def read(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def test_each_code_is_a_row_with_its_class_and_reads_back_exactly(tmp_path):
    codes = np.array([[0.1, -2.5], [1 / 3, 7.0]], dtype=np.float32)
    log_var = np.array([[-1.0, -2.0], [-0.5, 0.25]])
    rows = read(write_codes_csv(tmp_path / "codes.csv", codes, np.array([2, 1]), CLASSES, log_var))
    assert rows[0] == ["label", "class", "z1", "z2", "log_var1", "log_var2"]
    assert [row[:2] for row in rows[1:]] == [["2", "Pullover"], ["1", "Trouser, long"]]   # the comma quoted
    np.testing.assert_array_equal(np.array([row[2:4] for row in rows[1:]], dtype=np.float32), codes)
    np.testing.assert_array_equal(np.array([row[4:] for row in rows[1:]], dtype=np.float64), log_var)


def test_an_autoencoder_has_no_log_variance_columns(tmp_path):
    rows = read(write_codes_csv(tmp_path / "ae.csv", np.zeros((3, 4)), np.zeros(3, dtype=int), CLASSES))
    assert rows[0] == ["label", "class", "z1", "z2", "z3", "z4"] and len(rows) == 4


@pytest.mark.parametrize("labels, log_var", [(np.zeros(2, dtype=int), None),
                                             (np.zeros(3, dtype=int), np.zeros((3, 1)))])
def test_arrays_that_do_not_match_are_refused_before_any_file_is_made(tmp_path, labels, log_var):
    with pytest.raises(ValueError, match="do not match"):
        write_codes_csv(tmp_path / "codes.csv", np.zeros((3, 2)), labels, CLASSES, log_var)
    assert list(tmp_path.iterdir()) == []

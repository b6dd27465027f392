"""The one home of each shared idea: distance, month arithmetic, strict YAML, did-you-mean, status."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import yaml

from consortia.geo import distance_matrix, haversine_km
from consortia.status import Status, is_proven, relative_gap
from consortia.suggest import did_you_mean
from consortia.timing import add_months, month_index, month_number, month_start
from consortia.yamlfile import DuplicateKeyError, load_strict


def test_the_two_forms_of_the_great_circle_distance_agree():
    lat, lon = [51.5074, 53.4808, 50.3755, 54.9783], [-0.1278, -2.2426, -4.1427, -1.6178]
    matrix = distance_matrix(lat, lon)
    for i, j in itertools.product(range(4), repeat=2):
        assert matrix[i, j] == pytest.approx(haversine_km(lat[i], lon[i], lat[j], lon[j]), abs=1e-9)
    assert haversine_km(51.5074, -0.1278, 53.4808, -2.2426) == pytest.approx(262.5, abs=1.0)  # London-Manchester


def test_month_arithmetic():
    assert month_index(dt.date(2013, 6, 30)) == 2013 * 12 + 5
    assert month_number(dt.date(2013, 6, 30)) == month_index(dt.date(2013, 7, 1))   # rounds to 1 July
    assert month_number(dt.date(2013, 6, 15)) == month_index(dt.date(2013, 6, 1))
    assert month_start(month_index(dt.date(2014, 12, 9))) == dt.date(2014, 12, 1)
    assert add_months(dt.date(2014, 1, 31), 1) == dt.date(2014, 2, 28)               # clamped
    assert add_months(dt.date(2016, 1, 31), 1) == dt.date(2016, 2, 29)
    assert add_months(dt.date(2014, 3, 1), -3) == dt.date(2013, 12, 1)
    for months in range(-30, 31):
        d = dt.date(2014, 5, 1)
        m = d.month - 1 + months          # the figures' former formula for the 1st of a month
        assert add_months(d, months) == dt.date(d.year + m // 12, m % 12 + 1, 1) == month_start(month_index(d) + months)


def test_strict_yaml_refuses_a_repeated_key_and_names_its_line():
    assert load_strict("a: 1\nb: {c: 2}\n") == {"a": 1, "b": {"c": 2}}
    with pytest.raises(DuplicateKeyError) as caught:
        load_strict("a: 1\nb:\n  c: 2\n  c: 3\n")
    assert (caught.value.key, caught.value.line) == ("c", 4)
    assert isinstance(caught.value, yaml.YAMLError) and "key 'c' appears twice" in str(caught.value)


def test_did_you_mean():
    assert did_you_mean("covr", ["cover", "market", "network"]) == "cover"
    assert did_you_mean("zzz", ["cover", "market"]) is None
    keys = ["cover.min_ratio", "market.capacity", "network.max_distance_km"]
    assert did_you_mean("capacity", keys, dotted=True) == "market.capacity"
    assert did_you_mean("cover.min_ratoi", keys, dotted=True) == "cover.min_ratio"
    assert did_you_mean("network.capacity", keys, dotted=True) == "market.capacity"   # same last part first


def test_status_and_proof():
    assert Status.HAS_PLAN == ("optimal", "feasible") and Status.NO_SOLUTION == "no_solution"
    assert relative_gap(100.0, 99.0) == pytest.approx(0.01) and relative_gap(None, 1.0) is None
    assert is_proven(relative_gap(100.0, 100.0 - 1e-5)) and not is_proven(relative_gap(100.0, 99.9))
    assert not is_proven(None)

"""Trust arguments: codes and names in any case, a unique part of a name, did-you-mean."""

from __future__ import annotations

import pytest

from consortia.errors import ConsortiaError
from consortia.trustnames import resolve_trust

NAMES = {"RH5": "Somerset NHS Foundation Trust", "RA9": "Torbay and South Devon NHS Foundation Trust",
         "RBD": "Dorset County Hospital NHS Foundation Trust", "R1H": "Barts Health NHS Trust",
         "RAL": "Royal Free London NHS Foundation Trust", "RAN": "Royal National Orthopaedic Hospital NHS Trust"}


@pytest.mark.parametrize("text", ["RH5", "rh5", " Rh5 ", "Somerset", "somerset nhs foundation trust",
                                  "SOMERSET NHS FOUNDATION TRUST"])
def test_codes_and_names_in_any_case(text):
    assert resolve_trust(text, NAMES) == "RH5"


def test_part_of_one_name():
    assert resolve_trust("barts", NAMES) == "R1H"
    assert resolve_trust("torbay", NAMES) == "RA9"


def test_ambiguous_part_lists_the_matches():
    with pytest.raises(ConsortiaError) as info:
        resolve_trust("royal", NAMES)
    assert "matches 2 trusts" in str(info.value)
    assert "RAL (Royal Free London" in str(info.value) and "RAN (Royal National" in str(info.value)


@pytest.mark.parametrize("typo, meant", [("RH6", "RH5"), ("Somerst", "RH5"), ("Bartz Health", "R1H")])
def test_typos_get_did_you_mean(typo, meant):
    with pytest.raises(ConsortiaError) as info:
        resolve_trust(typo, NAMES, where="the plan")
    message = str(info.value)
    assert f"no trust {typo!r} in the plan" in message
    assert "did you mean" in message and meant in message


def test_explain_and_price_accept_names(tmp_path):
    from conftest import ROOT

    from consortia.cli import main
    plan = tmp_path / "plan"
    assert main(["solve", str(ROOT / "inputs/demo/scenario.yaml"), "--out", str(plan), "--no-maps",
                 "--quiet"]) == 0
    assert main(["explain", str(plan), "avonford general"]) == 0
    assert main(["explain", str(plan), "dma"]) == 0
    assert main(["explain", str(plan), "DMZ"]) == 2

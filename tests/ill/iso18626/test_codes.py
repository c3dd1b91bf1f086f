"""The code lists: closed lists per version, open lists with labels."""

from __future__ import annotations

from ill.iso18626 import codes
from ill.iso18626.codes import ErrorType, RequesterAction, SupplierStatus


def test_2021_adds_statuses_and_actions_and_removes_none():
    assert codes.SUPPLIER_STATUSES_BY_VERSION["2021"] - codes.SUPPLIER_STATUSES_BY_VERSION["2017"] == {
        "HoldReturn", "ReleaseHoldReturn"}
    assert codes.REQUESTER_ACTIONS_BY_VERSION["2021"] - codes.REQUESTER_ACTIONS_BY_VERSION["2017"] == {
        "HoldReturn", "Lost"}
    for lists in codes.CLOSED_LISTS.values():
        assert lists["2017"] <= lists["2021"]


def test_the_plain_names_hold_the_codes_every_version_knows():
    assert len(codes.SUPPLIER_STATUSES) == 12
    assert SupplierStatus.LOANED in codes.SUPPLIER_STATUSES
    assert SupplierStatus.HOLD_RETURN not in codes.SUPPLIER_STATUSES
    assert len(codes.REQUESTER_ACTIONS) == 7
    assert RequesterAction.LOST not in codes.REQUESTER_ACTIONS
    assert codes.ERROR_TYPES == {e.value for e in ErrorType}
    assert codes.SERVICE_TYPES == {"Copy", "Loan", "CopyOrLoan"}
    assert codes.MESSAGE_STATUSES == {"OK", "ERROR"}


def test_a_code_equals_its_string():
    assert SupplierStatus("Loaned") is SupplierStatus.LOANED
    assert SupplierStatus.LOANED == "Loaned"


def test_open_lists_have_the_standard_codes():
    assert {"NotHeld", "NotOnShelf", "NonCirculating", "NotAvailableForILL", "PolicyProblem",
            "PoorCondition"} == set(codes.REASONS_UNFILLED)
    assert {"AtBindery", "CostExceedsMaxCost", "NotFoundAsCited", "OnLoan", "ReqDelMethodNotSupp"} <= set(
        codes.REASONS_RETRY_BY_VERSION["2017"])
    assert "LoanPossible" not in codes.REASONS_RETRY_BY_VERSION["2021"]
    assert {"MustMeetLoanCondition", "ReqServTypeNotPossible"} <= set(codes.REASONS_RETRY_BY_VERSION["2021"])
    assert {"LibraryUseOnly", "NoReproduction", "SignatureRequired", "SpecCollSupervReq",
            "WatchLibraryUseOnly"} == set(codes.LOAN_CONDITIONS)


def test_every_open_code_has_a_label_and_unknown_codes_label_themselves():
    for open_list in (codes.REASONS_UNFILLED, codes.REASONS_RETRY, codes.LOAN_CONDITIONS):
        for code in open_list:
            assert str(codes.label(open_list, code))
    assert codes.label(codes.REASONS_RETRY, "LoanCondition") is codes.PEER_REASONS_RETRY["LoanCondition"]
    assert codes.label(codes.LOAN_CONDITIONS, "BringItBack") == "BringItBack"


def test_each_version_names_its_schema_and_version_attribute():
    assert set(codes.SCHEMA_FILES) == set(codes.VERSION_ATTRIBUTE) == set(codes.VERSIONS)
    for version, attribute in codes.VERSION_ATTRIBUTE.items():
        assert codes.VERSION_ALIASES[attribute] == version

"""Real messages from another ISO 18626 implementation (Index Data's crosslink broker and its
mock peer), read from the shared test-data folder beside the project. Those files are under the
AGPL and are not copied here; without the folder these tests are skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from ill.iso18626 import MessageError, parse, render, render_confirmation_for_error, validate
from ill.iso18626.codes import ErrorType

CROSSLINK = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "crosslink"
FOLDERS = ("illmock_examples", "broker_test_testdata", "broker_test_catalog")
INVALID = {
    "msg-invalid.xml": ErrorType.BADLY_FORMED_MESSAGE,
    "reqmsg-invalid-action.xml": ErrorType.UNSUPPORTED_ACTION_TYPE,
    "supmsg-invalid-reason.xml": ErrorType.UNSUPPORTED_REASON_FOR_MESSAGE_TYPE,
    "supmsg-invalid-status.xml": ErrorType.UNRECOGNISED_DATA_VALUE,
}


def _messages() -> list[Path]:
    found = []
    for folder in FOLDERS:
        for path in sorted((CROSSLINK / folder).glob("*.xml")):
            if b"ISO18626Message" in path.read_bytes()[:2000]:
                found.append(path)
    return found


MESSAGES = _messages() if CROSSLINK.is_dir() else []
pytestmark = pytest.mark.skipif(not MESSAGES, reason="the shared test-data folder is not beside the project")


def _ids(paths):
    return [f"{path.parent.name}/{path.name}" for path in paths]


VALID = [path for path in MESSAGES if path.name not in INVALID]
BROKEN = [path for path in MESSAGES if path.name in INVALID]


@pytest.mark.parametrize("path", VALID, ids=_ids(VALID))
def test_a_peer_message_parses_and_renders_back_valid(path):
    parsed = parse(path.read_bytes())
    assert parsed.version == "2017"
    again = render(parsed.message, parsed.version)
    assert validate(again, "2017") == []
    assert parse(again).message == parsed.message


@pytest.mark.parametrize("path", BROKEN, ids=_ids(BROKEN))
def test_a_deliberately_invalid_peer_message_gives_its_error_type(path):
    with pytest.raises(MessageError) as caught:
        parse(path.read_bytes())
    error = caught.value
    assert error.error_type == INVALID[path.name]
    answer = render_confirmation_for_error(error)
    assert validate(answer, "2017") == []
    if path.name != "msg-invalid.xml":
        assert b"<requestingAgencyRequestId>reqid</requestingAgencyRequestId>" in answer


def test_every_deliberately_invalid_message_was_found():
    assert {path.name for path in BROKEN} == set(INVALID)

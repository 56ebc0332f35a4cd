"""Scenario files: UTF-8 text (a byte order mark is accepted), `#` starts a comment only at
the start of a line or after whitespace outside quotes, and a file that cannot be read is
refused with a message naming it."""

from __future__ import annotations

from pathlib import Path

from linkledger.infrastructure.bootstrap import open_ledger
from linkledger.infrastructure.scenario import parse_scenario, strip_comment

from tests.builders import run_cli as run
from tests.input.scenarios import OPENED, ZEN_PRICES, refused_command

ADD_BOB = "2026-01-02T00:00Z add_user ACME name=bob email=bob#billing@acme.test role=Finance  # the finance desk\n"


def test_a_hash_inside_a_value_is_text_not_a_comment(capsys, tmp_path: Path):
    scenario, store = tmp_path / "s.txt", tmp_path / "s.db"
    scenario.write_text(f"@prices {ZEN_PRICES}   # example prices\n# a comment line\n{OPENED}{ADD_BOB}")
    code, _, err = run(capsys, "--store", str(store), "run", str(scenario))
    assert code == 0, err
    with open_ledger(str(store)) as ledger:
        assert [(u.name, u.email, u.role) for u in ledger.account("ACME").users] == [
            ("bob", "bob#billing@acme.test", "Finance")
        ]


def test_a_hash_after_whitespace_outside_quotes_starts_a_comment():
    assert strip_comment("a b # c") == "a b "
    assert strip_comment("# all of it") == ""
    assert strip_comment("email=bob#billing@acme.test") == "email=bob#billing@acme.test"
    assert strip_comment('operator="China # Telecom" # c') == 'operator="China # Telecom" '
    assert strip_comment("operator='it # is' #c") == "operator='it # is' "
    assert strip_comment(r"a \# b # c") == r"a \# b "


def test_a_byte_order_mark_is_accepted(tmp_path: Path):
    scenario = tmp_path / "bom.txt"
    scenario.write_bytes(b"\xef\xbb\xbf" + f"@prices {ZEN_PRICES}\n{OPENED}".encode())
    parsed = parse_scenario(scenario)
    assert parsed.prices == [ZEN_PRICES.resolve()]
    assert [line.command for line in parsed.lines] == ["open_account", "top_up"]


def test_a_file_that_is_not_utf8_is_refused_naming_the_file_and_the_byte(capsys, tmp_path: Path):
    scenario = tmp_path / "latin1.txt"
    scenario.write_bytes(f"@prices {ZEN_PRICES}\n".encode() + "2026-01-01T00:00Z open_account Zürich".encode("latin-1"))
    offset = len(f"@prices {ZEN_PRICES}\n2026-01-01T00:00Z open_account Z".encode())
    err = refused_command(capsys, "--store", str(tmp_path / "s.db"), "run", str(scenario))
    assert err == (
        f"linkledger: [input files] scenario {scenario}: not UTF-8 text (byte 0xfc at offset {offset}); "
        "save the file as UTF-8\n"
    )
    assert not (tmp_path / "s.db").exists()  # refused before the store is opened


def test_a_missing_file_or_a_folder_is_refused_with_a_clear_message(capsys, tmp_path: Path):
    store = str(tmp_path / "s.db")
    missing = tmp_path / "nope.txt"
    assert refused_command(capsys, "--store", store, "run", str(missing)) == (
        f"linkledger: [input files] scenario {missing}: no such file\n"
    )
    assert not (tmp_path / "s.db").exists()
    assert refused_command(capsys, "--store", store, "run", str(tmp_path)) == (
        f"linkledger: [input files] scenario {tmp_path}: a folder, not a file\n"
    )

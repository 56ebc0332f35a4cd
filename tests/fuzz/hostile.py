"""Hostile inputs: option values, scenario lines and file contents a user (or a script gone
wrong) might hand linkledger."""

from __future__ import annotations

from hypothesis import strategies as st

# Values that have broken parsers before: empty, huge, exponents, underscores, other digits,
# control characters, very long, odd times and offsets, option-looking words, paths.
NASTY = (
    "",
    " ",
    "0",
    "-1",
    "1e400",
    "-1e400",
    "1E+2",
    "1_000",
    "1,000.00",
    "0.001",
    "99999999999999999999999999999999",
    "NaN",
    "inf",
    "-0",
    "\u0661\u0662\u0663",  # Arabic-Indic digits
    "\u0661\u0660\u0660.\u0660\u0660",
    "\u00a0100",
    "100\u200b",
    "\x1b[31mred",
    "\x07\x08\x7f",
    "tab\there",
    "new\nline",
    "x" * 5000,
    "É" * 300,
    "2026-13-01",
    "2026-02-30T00:00Z",
    "2026-01-01T25:00Z",
    "2026-01-01T00:00+25:00",
    "2026-01-01T00:00+14:00",
    "2026-01-01T00:00-23:59",
    "2026-01-01T00:00",
    "0001-01-01T00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "2026-01-01T00:00:00.000000001Z",
    "2026-W01",
    "--",
    "-",
    "--json",
    "-x",
    "/",
    "/dev/null",
    "port:",
    "aws:@",
    "aws:X@",
    "vendor=zenlayer",
    "a=b=c",
    "'unclosed",
    '"',
    "#",
    "@prices",
    "INV-ACME-000001",
    "INV-ACME-999999",
    "ACME",
    "HKG-1",
    "invoices",
    "balances",
    "timelines",
    "notices",
)

# Text a shell can pass as one argument: anything but NUL.
ARG_TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40)

VALUE = st.one_of(st.sampled_from(NASTY), ARG_TEXT)
TIME = st.one_of(
    st.sampled_from([v for v in NASTY if v[:1].isdigit()] + ["2026-02-01T00:00Z", "2026-03-15", "2017-01-01T00:00Z"]),
    VALUE,
)
NUMBER = st.one_of(
    st.sampled_from(["0", "-5", "1e400", "1_000", "\u0661\u0660", "99999999999999999999", "nan", "0.5", "7"]),
    st.integers(-(10**30), 10**30).map(str),
    VALUE,
)

SCENARIO_COMMANDS = (
    "open_account",
    "add_user",
    "top_up",
    "pay",
    "order_port",
    "complete_cross_connect",
    "delete_port",
    "create_private_connect",
    "accept_hosted_connection",
    "raise_bandwidth",
    "cut_bandwidth",
    "delete_private_connect",
    "recover_private_connect",
    "create_physical_connection",
    "terminate_physical_connection",
    "create_router_interface",
    "renew",
    "set_auto_renew",
    "add_route_entry",
    "advance",
)
OPTION_KEYS = (
    "vendor",
    "currency",
    "name",
    "email",
    "role",
    "amount",
    "site",
    "speed",
    "a",
    "z",
    "bandwidth",
    "to",
    "region",
    "spec",
    "operator",
    "leased_line_rent",
    "months",
    "cidr",
    "id",
    "initiator_region",
    "receiver_region",
    "connection_type",
)

# Scenario lines after the seeded store's clock (its example runs to 2026-02-28).
LINE_TIME = st.one_of(st.sampled_from(["2026-03-01T00:00Z", "2026-03-02", "2026-03-01T12:00+08:00"]), TIME)


def _quote(word: str) -> str:
    return "'" + word.replace("'", "") + "'" if any(c.isspace() for c in word) or not word else word


@st.composite
def scenario_line(draw: st.DrawFn) -> str:
    """A line that looks like a command, with hostile words where the values go."""
    words = [draw(LINE_TIME), draw(st.one_of(st.sampled_from(SCENARIO_COMMANDS), VALUE))]
    words += draw(st.lists(st.one_of(st.sampled_from(["ACME", "HKG-1", "PC-HKG-SIN", "NEW"]), VALUE), max_size=2))
    keys = draw(st.lists(st.sampled_from(OPTION_KEYS), max_size=4))
    words += [f"{k}={draw(VALUE)}" for k in keys]
    return " ".join(_quote(w.replace("\n", " ").replace("\r", " ")) for w in words)


SCENARIO_TEXT = st.one_of(
    scenario_line(),
    st.lists(st.one_of(scenario_line(), VALUE, st.sampled_from(["# c", "", "@prices nowhere.toml"])), max_size=4).map(
        "\n".join
    ),
    ARG_TEXT,
)
# File contents: hostile text (UTF-8), or raw bytes (often not UTF-8).
FILE_BYTES = st.one_of(
    SCENARIO_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
    st.sampled_from([b"\xff\xfe\x00a", b"2026-03-01T00:00Z advance \xe9\n", b"\x00" * 10, b"id = 1\nvendor = [\n"]),
)

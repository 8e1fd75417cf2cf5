"""A short Russia–Ukraine storyline recorded through the real pipeline, for the web tests.

The scripted extractor stands in for reading English (see ``support``); everything after it
(recording, engagement matching, projections, queries) is the real code on a real SQLite
file. The storyline follows the public facts of May–August 2025: Putin proposes talks in
Istanbul, Zelensky says he will wait for Putin there, Russia sends the presidential aide
Medinsky instead (the downgrade), Umerov leads Ukraine, the talks move to Friday and are
held, a second round is reported on two different dates (a conflict), and a Trump–Putin
summit is floated, then scheduled and held in Alaska.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

from tracker.commands import record_entries
from tracker.domain import recording_clock

from support import (
    HELD_IN_ISTANBUL,
    MEDINSKY_LEADS,
    MOVED_TO_FRIDAY,
    PUTIN_PROPOSES,
    UMEROV_LEADS,
    ZELENSKY_WAITS,
    at,
    claim,
    entry,
    make,
)

SCRIPT = {
    "Putin proposes direct talks": [PUTIN_PROPOSES],
    "Zelensky will wait for Putin": [ZELENSKY_WAITS],
    "Medinsky to lead": [MEDINSKY_LEADS],
    "Umerov to lead": [UMEROV_LEADS],
    "talks postponed to Friday": [MOVED_TO_FRIDAY],
    "talks held in Istanbul": [HELD_IN_ISTANBUL],
    "no ceasefire without Putin": [
        claim(
            "position_stated",
            party="UA",
            person="Volodymyr Zelensky",
            stance="no ceasefire without Putin at the table",
        ),
    ],
    "1,000-for-1,000 exchange": [
        claim("prisoner_exchange", parties=("RU", "UA")),
    ],
    "Trump floats meeting with Putin": [
        claim("summit_rumored", parties=("US", "RU"), speaker="Donald Trump", hedged=True),
    ],
    "second round on 2 June": [
        claim("talks_scheduled", parties=("RU", "UA"), venue="Istanbul", date="2025-06-02"),
    ],
    "second round on 3 June": [
        claim("talks_scheduled", parties=("RU", "UA"), venue="Istanbul", date="2025-06-03"),
    ],
    "Alaska summit on 15 August": [
        claim("summit_scheduled", parties=("US", "RU"), venue="Alaska", date="2025-08-15"),
    ],
}

#: (feed, entry id, title, published_at); the store records each poll in this order.
POLLS: list[tuple[datetime, list[tuple[str, str, str, datetime]]]] = [
    (
        at("2025-05-11", 7),
        [
            (
                "wire",
                "w1",
                "Putin proposes direct talks with Ukraine in Istanbul",
                at("2025-05-11", 6),
            ),
        ],
    ),
    (
        at("2025-05-11", 22),
        [
            ("desk", "d1", "Zelensky will wait for Putin in Turkey", at("2025-05-11", 20)),
            (
                "wire",
                "w2",
                "Zelensky: no ceasefire without Putin, Ukraine tells Russia",
                at("2025-05-11", 21),
            ),
        ],
    ),
    (
        at("2025-05-15", 2),
        [
            ("wire", "w3", "Kremlin says Medinsky to lead Russian team", at("2025-05-14", 22)),
        ],
    ),
    (
        at("2025-05-15", 17),
        [
            ("desk", "d2", "Umerov to lead Ukrainian delegation", at("2025-05-15", 14)),
            ("wire", "w4", "Russia-Ukraine talks postponed to Friday", at("2025-05-15", 16)),
        ],
    ),
    (
        at("2025-05-16", 20),
        [
            ("wire", "w5", "Russia-Ukraine talks held in Istanbul", at("2025-05-16", 14)),
            (
                "desk",
                "d3",
                "First direct Russia-Ukraine talks held in Istanbul since 2022",
                at("2025-05-16", 15),
            ),
            (
                "desk",
                "d4",
                "Russia and Ukraine agree 1,000-for-1,000 exchange",
                at("2025-05-16", 16),
            ),
        ],
    ),
    (
        at("2025-05-20", 8),
        [
            (
                "wire",
                "w6",
                "Trump floats meeting with Putin to end Russia's war in Ukraine",
                at("2025-05-19", 18),
            ),
        ],
    ),
    (
        at("2025-05-31", 19),
        [
            ("wire", "w7", "Russia proposes second round on 2 June", at("2025-05-31", 12)),
            (
                "desk",
                "d5",
                "Russia and Ukraine to hold second round on 3 June",
                at("2025-05-31", 13),
            ),
        ],
    ),
    (
        at("2025-08-09", 8),
        [
            (
                "wire",
                "w8",
                "Trump and Putin to discuss Ukraine at Alaska summit on 15 August",
                at("2025-08-08", 20),
            ),
        ],
    ),
]


def record_story(
    tracker: Any, *, until: int | None = None, start: int = 0, catch_up: bool = True
) -> None:
    """Record the storyline's polls ``start:until`` and (unless told not to) catch up."""
    for polled_at, items in POLLS[start:until]:
        by_feed: dict[str, list[Any]] = {}
        for feed, ident, title, published in items:
            by_feed.setdefault(feed, []).append(entry(ident, title, published))
        for feed, entries in by_feed.items():
            with recording_clock(lambda polled_at=polled_at: polled_at):
                record_entries(
                    tracker.app,
                    tracker.interpreter,
                    tracker.config.feed(feed),
                    entries,
                    polled_at=polled_at,
                )
    if catch_up:
        tracker.catch_up()


def story_tracker(store_url: str, **kw: Any) -> Any:
    """A tracker on ``store_url`` that reads the storyline with the scripted extractor."""
    return make(store_url, SCRIPT, **kw)


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free loopback port in a thread; yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()


# ------------------------------------------------------------------ reading HTML back
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


@dataclass
class Node:
    """An element of a parsed page: tag, attributes, children and its own text."""

    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    parts: list[Any] = field(default_factory=list)  # text and child nodes, in order

    @property
    def text(self) -> str:
        """All text inside, whitespace collapsed."""
        out: list[str] = []

        def walk(n: Node) -> None:
            for p in n.parts:
                if isinstance(p, Node):
                    walk(p)
                else:
                    out.append(p)

        walk(self)
        return " ".join(" ".join(out).split())

    def iter(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            yield from c.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Descendants with this tag whose attributes contain these values (class: a word)."""
        found = []
        for n in self.iter():
            if tag is not None and n.tag != tag:
                continue
            ok = True
            for k, v in attrs.items():
                k = k.rstrip("_")
                have = n.attrs.get(k)
                if (
                    have is None
                    or (k == "class" and v not in have.split())
                    or (k != "class" and have != v)
                ):
                    ok = False
            if ok:
                found.append(n)
        return found

    def find(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag} {attrs}> in the page"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        self.stack[-1].parts.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        self.stack[-1].parts.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        # Every element we write is closed explicitly: a mismatch is a template bug.
        open_tag = self.stack[-1].tag
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].parts.append(data)


def parse_html(text: str) -> Node:
    """Parse a page we rendered, checking that every element is closed where it opened."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    assert [n.tag for n in builder.stack] == ["#document"], "unclosed elements"
    return builder.root

"""README.md is part of the product: its commands run, and nothing user-facing is undocumented."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from pydantic import BaseModel

from tracker.cli import app
from tracker.config import Config, parse_config

from test_cli import tracker

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 3)
    return README[start : end if end != -1 else None]


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.DOTALL)


def test_set_up_gives_exactly_two_commands_and_ci_runs_the_test_one():
    blocks = _blocks(_section("Set up"), "bash")
    assert len(blocks) == 2
    commands = [b.strip() for b in blocks]
    assert all("\n" not in c for c in commands), "each set-up command is one line"
    assert commands[0].endswith("tracker demo")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci, "the CI script must run the README's test command"


def test_every_command_is_documented():
    documented = set(re.findall(r"`tracker (\w+)", _section("A tour")))
    names = {c.name or c.callback.__name__ for c in app.registered_commands}
    assert names <= documented, sorted(names - documented)


def _keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    out = set()
    for name, info in model.model_fields.items():
        if info.exclude:
            continue
        key = info.alias or name
        out.add(key)
        ann = info.annotation
        for inner in getattr(ann, "__args__", ()) or (ann,):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                out |= _keys(inner)
    return out


def test_every_feeds_yaml_key_is_in_the_documented_example():
    (example,) = _blocks(_section("A tour").split("### feeds.yaml", 1)[1], "yaml")[:1]
    documented = set(re.findall(r"^\s*-?\s*([a-z_]+):", example, re.MULTILINE))
    documented |= set(re.findall(r"[{,]\s*([a-z_]+):", example))
    missing = _keys(Config) - documented
    assert not missing, sorted(missing)


def test_the_documented_feeds_yaml_example_is_valid():
    (example,) = _blocks(_section("A tour").split("### feeds.yaml", 1)[1], "yaml")[:1]
    cfg = parse_config(example, "README.md")
    assert cfg.feeds and cfg.tracks and cfg.actors and cfg.alerts


def test_the_repository_feeds_yaml_is_valid():
    cfg = parse_config((ROOT / "feeds.yaml").read_text(encoding="utf-8"), "feeds.yaml")
    assert len(cfg.feeds) >= 5 and cfg.tracks[0].slug == "russia-ukraine"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    cwd = tmp_path_factory.mktemp("readme")
    url = f"sqlite:///{cwd / 'tracker-demo.db'}"
    done = tracker("demo", "--store", url, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return cwd, url


def test_the_tour_commands_run_against_the_demo_store(demo_store):
    cwd, url = demo_store
    lines = [
        line
        for block in _blocks(_section("A tour"), "bash")
        for line in block.splitlines()
        if line.startswith("tracker --store sqlite:///tracker-demo.db ")
    ]
    assert len(lines) >= 4
    for line in lines:
        args = shlex.split(line)[1:]
        args[1] = url
        done = tracker(*args, cwd=cwd)
        assert done.returncode == 0, (line, done.stderr)
        assert done.stdout.strip(), line

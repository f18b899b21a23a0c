"""The example config shipped with cleanse lists every option, at its default."""
import dataclasses

import yaml

from cleanse import cli
from cleanse.config import Config


def test_example_holds_every_option_at_its_default():
    path = cli.example_config_path()
    assert Config.load(path) == Config()
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    sections = {name: Config.from_dict({}).__dict__[name] for name in data
                if dataclasses.is_dataclass(Config().__dict__[name])}
    written = {f"{s}.{k}" for s, body in data.items() if s in sections for k in body}
    expected = {f"{s}.{f.name}" for s, obj in sections.items() for f in dataclasses.fields(obj)}
    assert written == expected
    top_level = {f.name for f in dataclasses.fields(Config)}
    assert set(data) == top_level


def test_config_command(tmp_path, capsys):
    assert cli.main(["config", "--example"]) == 0
    assert "dedup:" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("pii:\n  operators: {EMAIL_ADDRESS: shred}\n")
    assert cli.main(["config", "--check", str(bad)]) == 2
    assert "pii.operators.EMAIL_ADDRESS" in capsys.readouterr().err

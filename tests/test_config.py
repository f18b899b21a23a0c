import pytest

from cleanse.config import Config, ConfigError


def test_defaults_are_valid_and_round_trip():
    config = Config()
    config.validate()
    assert Config.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("data, key", [
    ({"pii": {"operatorz": {}}}, "pii.operatorz"),
    ({"pii": {"operators": {"EMAIL_ADDRESS": "shred"}}}, "pii.operators.EMAIL_ADDRESS"),
    ({"dedup": {"threshold": "high"}}, "dedup.threshold"),
    ({"dedup": {"threshold": 1.5}}, "dedup.threshold"),
    ({"stages": ["pii", "spellcheck"]}, "stages"),
    ({"input": {"max_chars": True}}, "input.max_chars"),
    ({"output": {"format": "csv"}}, "output.format"),
    ({"toxicity": {"action": "burn"}}, "toxicity.action"),
])
def test_errors_name_the_key(data, key):
    with pytest.raises(ConfigError) as error:
        Config.from_dict(data)
    assert str(error.value).startswith(key)


def test_yaml_file(tmp_path):
    path = tmp_path / "cleanse.yaml"
    path.write_text("stages: [pii, dedup]\ndedup:\n  threshold: 0.9\n")
    config = Config.load(str(path))
    assert config.stages == ["pii", "dedup"] and config.dedup.threshold == 0.9
    path.write_text("stages: [pii\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        Config.load(str(path))
    with pytest.raises(ConfigError, match="does not exist"):
        Config.load(str(tmp_path / "missing.yaml"))

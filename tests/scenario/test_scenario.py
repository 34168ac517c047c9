"""Scenario schema, units, overrides and located errors."""
import textwrap

import pytest

from k8ssim.api.errors import InputError
from k8ssim.scenario.loader import load_scenario
from k8ssim.scenario.overrides import OverrideError, apply_overrides, parse_path
from k8ssim.scenario.units import format_duration, parse_duration, parse_rate

BASE = textwrap.dedent("""\
    apiVersion: k8ssim.io/v1alpha1
    kind: Scenario
    metadata:
      name: t
    spec:
      duration: 5m
      cluster:
        nodePools:
          - name: a
            instanceType: m5.xlarge
            count: 2
    """)


@pytest.mark.parametrize("text,seconds", [
    ("90s", 90.0), ("5m", 300.0), ("1h30m", 5400.0), ("300ms", 0.3), ("2d", 172800.0), (15, 15.0), ("1.5h", 5400.0),
    ("0", 0.0),
])
def test_durations_as_go_parses_them(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["5 minutes", "m5", "", "1h30", True, None, float("nan")])
def test_bad_durations_are_refused(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_rates():
    assert parse_rate("200/s") == 200.0
    assert parse_rate("1200/m") == 20.0
    assert parse_rate("3600/h") == 1.0
    with pytest.raises(ValueError):
        parse_rate("200/week")


def test_format_duration_round_trips():
    for s in (30.0, 300.0, 7200.0, 1.5):
        assert parse_duration(format_duration(s)) == s


def test_override_paths():
    assert parse_path("spec.cluster.nodePools[0].count") == ["spec", "cluster", "nodePools", 0, "count"]
    doc = {"spec": {"cluster": {"nodePools": [{"count": 1}]}}}
    applied = apply_overrides(doc, ["cluster.nodePools[0].count=5", "spec.duration=10m"])
    assert doc["spec"]["cluster"]["nodePools"][0]["count"] == 5
    assert doc["spec"]["duration"] == "10m"
    assert applied == ["spec.cluster.nodePools[0].count=5", "spec.duration=10m"]
    with pytest.raises(OverrideError):
        apply_overrides(doc, ["spec.cluster.nodePools[3].count=1"])
    with pytest.raises(OverrideError):
        apply_overrides(doc, ["novalue"])


def _errors(text, tmp_path, **kw):
    p = tmp_path / "s.yaml"
    p.write_text(text)
    with pytest.raises(InputError) as ei:
        load_scenario(str(p), **kw)
    return [d.format() for d in ei.value.diagnostics]


def test_unknown_field_is_located_with_did_you_mean(tmp_path):
    errs = _errors(BASE.replace("  duration: 5m", "  duration: 5m\n  sampleIntervall: 10s"), tmp_path)
    assert len(errs) == 1
    assert errs[0].endswith('spec.sampleIntervall: unknown field "sampleIntervall" (did you mean "sampleInterval"?)')
    assert ":7:3: error:" in errs[0]


def test_all_problems_are_reported_not_just_the_first(tmp_path):
    text = BASE.replace("count: 2", "count: -1").replace("duration: 5m", "duration: soon")
    errs = _errors(text, tmp_path)
    assert any("spec.duration" in e and "invalid duration" in e for e in errs)
    assert any("spec.cluster.nodePools[0].count" in e and ":11:" in e for e in errs)


def test_unknown_instance_type_suggests_a_known_one(tmp_path):
    errs = _errors(BASE.replace("m5.xlarge", "m5.xlarg"), tmp_path)
    assert any('did you mean "m5.xlarge"' in e for e in errs)


def test_missing_manifest_file_is_an_error(tmp_path):
    errs = _errors(BASE + "  manifests:\n    - path: nothere.yaml\n", tmp_path)
    assert any("spec.manifests[0].path" in e and "no such file" in e for e in errs)


def test_manifest_errors_point_into_the_manifest_file(tmp_path):
    (tmp_path / "m.yaml").write_text(textwrap.dedent("""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replica: 3
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: c, image: nginx}]}
        """))
    errs = _errors(BASE + "  manifests:\n    - path: m.yaml\n", tmp_path)
    assert len(errs) == 1 and "m.yaml:5:3: error: spec.replica: unknown field" in errs[0]


def test_inline_manifests_and_overrides_and_seed(tmp_path):
    text = BASE + (
        "  manifests:\n"
        "    - inline:\n"
        "        apiVersion: v1\n"
        "        kind: ConfigMap\n"
        "        metadata: {name: cfg}\n"
    )
    p = tmp_path / "s.yaml"
    p.write_text(text)
    loaded = load_scenario(str(p), overrides=["spec.cluster.nodePools[0].count=4"], seed=9)
    assert loaded.spec.seed == 9
    assert loaded.spec.cluster.nodePools[0].count == 4
    assert [i.kind for i in loaded.manifests.ignored] == ["ConfigMap"]
    other = load_scenario(str(p), overrides=["spec.cluster.nodePools[0].count=5"], seed=9)
    assert other.digest != loaded.digest


def test_dict_scenarios_load(tmp_path):
    import yaml

    loaded = load_scenario(yaml.safe_load(BASE))
    assert loaded.spec.duration == 300.0


def test_json_schema_exports():
    from k8ssim.scenario.schema import json_schema

    s = json_schema()
    assert "spec" in s["properties"] and s["additionalProperties"] is False

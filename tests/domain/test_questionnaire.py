"""Loading and validating questionnaire files: errors name the exact place, never a traceback."""
from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.domain.questionnaire import (
    QuestionnaireError,
    from_definition,
    load_directory,
    load_questionnaire,
)
from assessment.domain.scoring import is_shown
from tests.domain.questionnaire_samples import small

QUESTIONNAIRES = Path(__file__).resolve().parents[2] / "questionnaires"


def error_of(definition) -> QuestionnaireError:
    with pytest.raises(QuestionnaireError) as caught:
        from_definition(definition)
    return caught.value


def test_the_sample_builds():
    questionnaire = from_definition(small())
    assert [d.key for d in questionnaire.dimensions] == ["strategy", "data"]
    assert [q.key for q in questionnaire.questions] == ["plan", "budget", "tools", "backup", "security"]
    assert questionnaire.question("tools").full_score == 2
    assert questionnaire.question("security").full_score == 3
    assert questionnaire.level_index("advanced") == 2
    assert questionnaire.level_for(24.999).key == "initial" and questionnaire.level_for(25).key == "basic"


def test_duplicate_option_key_names_its_place():
    definition = small()
    definition["dimensions"][1]["questions"][1]["options"][1]["key"] = "twofa"
    assert str(error_of(definition)) == 'dimensions[1].questions[1].options[1]: duplicate key "twofa"'


@pytest.mark.parametrize("breaking, place", [
    (lambda d: d["dimensions"][0]["questions"][2].update(type="free"), "dimensions[0].questions[2].type"),
    (lambda d: d["dimensions"][1]["questions"][0]["options"][0].update(key=False),
     "dimensions[1].questions[0].options[0].key"),
    (lambda d: d["dimensions"][0]["questions"][0]["text"].pop("en"), "dimensions[0].questions[0].text"),
    (lambda d: d["dimensions"][1]["advice"].pop("middle"), "dimensions[1].advice"),
    (lambda d: d["levels"][0].update(min=5), "levels[0].min"),
    (lambda d: d["levels"][2].update(min=10), "levels[2].min"),
    (lambda d: d["dimensions"][1]["questions"][0].update(key="plan"), "dimensions[1].questions[0].key"),
    (lambda d: d["dimensions"][0]["questions"][1]["show_if"].update(question="backup"),
     "dimensions[0].questions[1].show_if.question"),
    (lambda d: d["dimensions"][0]["questions"][1]["show_if"].update({"in": ["some", "lots"]}),
     "dimensions[0].questions[1].show_if.in[1]"),
    (lambda d: d["dimensions"][1]["questions"][0].update(show_if={"question": "plan", "in": ["some"]}),
     "dimensions[1].questions[0].show_if"),
    (lambda d: d["dimensions"][1]["questions"][0]["options"][1].update(exclusive=True),
     "dimensions[1].questions[0].options[1].exclusive"),
    (lambda d: [o.update(score=0) for o in d["dimensions"][1]["questions"][0]["options"]],
     "dimensions[1].questions[0].options"),
    (lambda d: d.pop("levels"), "(top level)"),
    (lambda d: d["dimensions"][1]["questions"][1]["options"][2].update(score=1),
     "dimensions[1].questions[1].options[2].score"),
    (lambda d: d["dimensions"][1]["questions"][1].update(show_if={"question": "plan", "in": ["some"]}),
     "dimensions[1].questions[1].show_if.question"),
    (lambda d: d["dimensions"][0]["questions"][2].update(show_if={"question": "budget", "in": ["s1"]}),
     "dimensions[0].questions[2].show_if.question"),
])
def test_errors_name_the_exact_place(breaking, place):
    definition = small()
    breaking(definition)
    assert error_of(definition).path == place


def test_unquoted_no_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(small()).replace("key: 'no'", "key: no"))
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert "dimensions[1].questions[0].options[0].key" in str(caught.value)
    assert "quote it" in str(caught.value)


def test_duplicate_yaml_keys_and_bad_yaml_are_refused(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text("key: a\nkey: b\n")
    with pytest.raises(QuestionnaireError, match='line 2, column 1: duplicate key "key"'):
        load_questionnaire(path)
    path.write_text("key: [unclosed\n")
    with pytest.raises(QuestionnaireError, match="not valid YAML"):
        load_questionnaire(path)
    path.write_text("key: " + "[" * 100_000)
    with pytest.raises(QuestionnaireError, match="nested too deeply"):
        load_questionnaire(path)


def test_content_hash_follows_content_only():
    assert from_definition(small()).content_hash == from_definition(small()).content_hash
    changed = small()
    changed["dimensions"][0]["questions"][0]["options"][2]["score"] = 4
    assert from_definition(changed).content_hash != from_definition(small()).content_hash


def test_the_shipped_questionnaire_meets_the_brief():
    questionnaires = load_directory(QUESTIONNAIRES)
    dma = questionnaires["dma-sme"]
    assert [d.key for d in dma.dimensions] == ["digital_strategy", "digital_readiness", "human_centric",
                                              "data_security", "automation_ai", "green_digital"]
    assert 30 <= len(dma.questions) <= 45
    assert 4 <= len(dma.levels) <= 5
    assert {q.type for q in dma.questions} == {"single", "multi", "scale"}
    assert any(q.show_if for q in dma.questions)
    for question in dma.questions:
        texts = [question.text, *(o.label for o in question.options)] + ([question.help] if question.help else [])
        assert all(t.it and t.en for t in texts), question.key
        if question.type == "multi":
            assert any(o.exclusive for o in question.options), question.key
    for dimension in dma.dimensions:
        assert is_shown(dimension.questions[0], {})


# Fuzzing the loader: any input gives a questionnaire or a QuestionnaireError, nothing else.

yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, width=16),
                         st.text(string.ascii_lowercase + "_-", max_size=6))


def mutations():
    leaves = st.recursive(yaml_scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(string.ascii_lowercase, max_size=5), inner,
                                                     max_size=3)), max_leaves=6)
    return st.lists(st.tuples(st.integers(0, 10_000), leaves), min_size=1, max_size=3)


def _replace_somewhere(node, index: int, value):
    """Replace the index-th node (depth first, modulo the node count) with value."""
    nodes = []

    def walk(parent, key, current):
        nodes.append((parent, key))
        if isinstance(current, dict):
            for k, v in current.items():
                walk(current, k, v)
        elif isinstance(current, list):
            for i, v in enumerate(current):
                walk(current, i, v)

    walk(None, None, node)
    parent, key = nodes[index % len(nodes)]
    if parent is None:
        return value
    parent[key] = value
    return node


@settings(max_examples=300, deadline=None)
@given(mutations())
def test_loader_never_crashes(changes):
    definition = small()
    for index, value in changes:
        definition = _replace_somewhere(definition, index, value)
    try:
        from_definition(definition)
    except QuestionnaireError as error:
        assert error.reason


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_loader_never_crashes_on_any_text(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("fuzz") / "q.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(QuestionnaireError):
        load_questionnaire(path)


"""Chat templates: named formats render, custom ones are checked in a sandbox."""

from __future__ import annotations

import pytest

from app.core.chat_templates import (
    AUTO,
    CUSTOM,
    NAMED_TEMPLATES,
    check_template,
    choose_template,
    sandbox,
)
from app.core.settings_schema import SettingError

MESSAGES = [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi there"},
            {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Bye"}]


@pytest.mark.parametrize("name", NAMED_TEMPLATES)
def test_named_templates_render_every_message(name: str) -> None:
    text = sandbox().from_string(NAMED_TEMPLATES[name].source).render(
        messages=MESSAGES, add_generation_prompt=True, bos_token="<s>", eos_token="</s>")
    for message in MESSAGES:
        assert message["content"] in text
    assert text.index("Hi there") < text.index("Hello!") < text.index("Bye")
    assert choose_template(name, "").stops == NAMED_TEMPLATES[name].stops


def test_auto_means_the_model_file_and_custom_needs_a_template() -> None:
    assert choose_template(AUTO, "").source is None
    with pytest.raises(SettingError, match="no custom template"):
        choose_template(CUSTOM, "  ")
    good = "{% for m in messages %}{{ m['content'] }}\n{% endfor %}"
    assert choose_template(CUSTOM, good).source == good


def test_real_model_template_features_are_accepted() -> None:
    check_template("{{ strftime_now('%Y') }}{% for m in messages %}{% generation %}"
                   "{{ m['content'] }}{% endgeneration %}{% endfor %}")


@pytest.mark.parametrize("source", [
    "{% for m in messages %}{{ m['content'] }",                       # syntax error
    "{{ raise_exception('no system role') }}{% for m in messages %}{{ m['content'] }}{% endfor %}",
    "{{ messages.append(1) }}{% for m in messages %}{{ m['content'] }}{% endfor %}",  # mutation
    "{{ ''.__class__.__mro__ }}{% for m in messages %}{{ m['content'] }}{% endfor %}",  # escape
])
def test_broken_or_hostile_templates_are_rejected(source: str) -> None:
    with pytest.raises(SettingError, match="does not work"):
        check_template(source)

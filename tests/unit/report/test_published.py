"""Published or not: the marker goes on every figure no claim is about, and claims read in words."""

from types import SimpleNamespace

from pipeline.findings import SAME_ON_EVERY_BASE
from pipeline.report.published import UNPUBLISHED, Published, base_flag, interval_words


def claim(measure, domain=None):
    return SimpleNamespace(measure=measure, domain=domain, wording=f"w {measure}", source="s")


def test_a_figure_is_marked_unless_a_claim_is_about_it_on_that_very_subgroup():
    published = Published(SimpleNamespace(claims=(claim("pressed"), claim("upset", ("role", "director")))))
    assert published.mark("pressed") == "" and published.about("pressed") == [{"wording": "w pressed", "source": "s"}]
    assert published.mark("pressed", "role", "director") == UNPUBLISHED  # published overall, not for directors
    assert published.mark("upset") == UNPUBLISHED and published.mark("upset", "role", "director") == ""
    assert published.domain_of("upset") == ("role", "director") and published.domain_of("pressed") == ("", "")


def test_without_claims_nothing_is_marked():
    published = Published(SimpleNamespace(claims=()))
    assert published.mark("anything") == "" and published.unpublished() == ""


def test_intervals_read_in_words():
    assert interval_words(0.7, 0.71, True, False) == "70% to under 71%"
    assert interval_words(0.705, 0.715, True, False) == "70.5% to under 71.5%"
    assert interval_words(0.7, 0.75, False, False) == "over 70% and under 75%"
    assert interval_words(0.45, 0.55, True, True) == "45% to 55%"
    assert interval_words(0.5, 1.0, False, True) == "over 50%"
    assert interval_words(82, 82, True, True, share=False) == "exactly 82"


def test_a_claim_is_flagged_only_when_another_base_gives_another_verdict():
    assert base_flag("met", "valid: 39 of 77 (50.6%), not met") == \
        "Verdict differs on another base: valid: 39 of 77 (50.6%), not met."
    assert base_flag("met", "valid: 38 of 78 (48.7%), met") == ""
    assert base_flag("met", SAME_ON_EVERY_BASE) == ""

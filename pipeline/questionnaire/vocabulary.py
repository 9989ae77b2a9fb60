"""The closed sets of values the questionnaire format allows, each an enum.

A value read from the file becomes one of these members, so a typo cannot travel past the
questionnaire, and the allowed values listed in the docs, the JSON Schema and the messages
all come from the same place. They are `StrEnum`s: a member compares equal to its text and
prints as it, so tables and messages show the word the file used.
"""

from __future__ import annotations

from enum import StrEnum


class QuestionType(StrEnum):
    """What a question's answers are; the properties say which keys and checks apply."""

    SINGLE_CHOICE = "single_choice"
    SCALE = "scale"
    YES_NO = "yes_no"
    MULTIPLE_CHOICE = "multiple_choice"
    NUMERIC = "numeric"
    TEXT = "text"

    @property
    def has_codes(self) -> bool:
        """Answers are codes from a list (frames, measures, subgroups and domains need this)."""
        return self not in (QuestionType.NUMERIC, QuestionType.TEXT)

    @property
    def requires_codes(self) -> bool:
        """The file must list the codes (`yes_no` has a default list)."""
        return self in (QuestionType.SINGLE_CHOICE, QuestionType.SCALE, QuestionType.MULTIPLE_CHOICE)

    @property
    def default_codes(self) -> tuple[tuple[str, str], ...]:
        """(code, label) pairs used when the file lists none."""
        return (("yes", "Yes"), ("no", "No")) if self is QuestionType.YES_NO else ()

    @property
    def is_categorical(self) -> bool:
        """One code per respondent, estimated as the share of each code; routing may depend on it."""
        return self in (QuestionType.SINGLE_CHOICE, QuestionType.SCALE, QuestionType.YES_NO)

    @property
    def is_multiple_choice(self) -> bool:
        """Any number of codes per respondent, estimated as the share ticking each option."""
        return self is QuestionType.MULTIPLE_CHOICE

    @property
    def is_numeric(self) -> bool:
        """Answers are numbers, checked against `range`."""
        return self is QuestionType.NUMERIC

    @property
    def is_free_text(self) -> bool:
        """Answers are free text: never estimated, blanks always allowed, may span lines."""
        return self is QuestionType.TEXT

    @property
    def has_scale(self) -> bool:
        """`scale` (its negative, neutral and positive sides) is required, and allowed only here."""
        return self is QuestionType.SCALE

    @property
    def has_range(self) -> bool:
        """`range` is allowed."""
        return self is QuestionType.NUMERIC

    @property
    def has_layout(self) -> bool:
        """`layout` is read (one column per option, or one delimited column)."""
        return self is QuestionType.MULTIPLE_CHOICE


class Layout(StrEnum):
    """How a multiple-choice question's answers sit in the answers file."""

    COLUMNS = "columns"
    DELIMITED = "delimited"


class Wording(StrEnum):
    """Whether a question's text is as asked or a paraphrase."""

    ORIGINAL = "original"
    PARAPHRASE = "paraphrase"


class MissingKind(StrEnum):
    """Kinds of non-answer, in the order a report lists them."""

    DONT_KNOW = "dont_know"
    NOT_APPLICABLE = "not_applicable"
    REFUSED = "refused"


class Base(StrEnum):
    """The denominator of a measure."""

    ALL = "all"
    ASKED = "asked"
    VALID = "valid"


class ClaimStatistic(StrEnum):
    """What a published claim states."""

    SHARE = "share"
    RESPONDENTS = "respondents"


class OnInvalid(StrEnum):
    """What a run does with rows holding invalid answers."""

    STOP = "stop"
    EXCLUDE = "exclude"


class IntervalMethod(StrEnum):
    """Binomial intervals for unweighted shares."""

    WILSON = "wilson"
    WILSON_CC = "wilson-cc"
    CLOPPER_PEARSON = "clopper-pearson"
    AGRESTI_COULL = "agresti-coull"
    WALD = "wald"


class DesignIntervalMethod(StrEnum):
    """Design-based intervals, as R survey's `svyciprop` names them."""

    LOGIT = "logit"
    LIKELIHOOD = "likelihood"
    ASIN = "asin"
    BETA = "beta"
    MEAN = "mean"
    XLOGIT = "xlogit"
    HYPERGEOMETRIC = "hypergeometric"


class DegreesOfFreedom(StrEnum):
    """Degrees of freedom of design-based intervals: the design's (R's `degf`) or infinite."""

    DESIGN = "design"
    INF = "inf"


class Adjust(StrEnum):
    """Multiple-comparison adjustments."""

    HOLM = "holm"
    BH = "bh"


class ChartOrder(StrEnum):
    """How a chart and the table beside it order their items."""

    LARGEST_FIRST = "largest_first"
    AS_LISTED = "as_listed"


class LonelyPsu(StrEnum):
    """What a stratum with a single sampled PSU adds to the variance, as R's `survey.lonely.psu`."""

    FAIL = "fail"
    REMOVE = "remove"
    CERTAINTY = "certainty"
    ADJUST = "adjust"
    AVERAGE = "average"


class ReplicateType(StrEnum):
    """How replicate weights were made, as R's `svrepdesign(type = ...)`: it sets the variance's
    scale (and, for `jkn`, needs the replicates' rscales)."""

    BRR = "brr"
    FAY = "fay"
    JK1 = "jk1"
    JKN = "jkn"
    BOOTSTRAP = "bootstrap"
    SUCCESSIVE_DIFFERENCE = "successive-difference"
    ACS = "acs"


class WeightingMethod(StrEnum):
    """How weights are calibrated to the population's counts."""

    NONE = "none"
    POSTSTRATIFY = "poststratify"
    RAKE = "rake"
    CALIBRATE = "calibrate"


class Calfun(StrEnum):
    """The distance R's `calibrate` minimises: linear (GREG) or raking (multiplicative)."""

    LINEAR = "linear"
    RAKING = "raking"


class OnNotConverged(StrEnum):
    """What to do when raking or calibration does not meet its convergence criterion."""

    STOP = "stop"
    WARN = "warn"

"""Fields of each kind of document, read by meaning (labels, phrases, structure) rather
than by one template's coordinates. Every value comes with a confidence and evidence.

One module per piece (``convention``, ``deliberation``, ``needs``), the arrival stamp any
piece may carry (``arrival``), and what they share (``common``)."""

from extractors.fields.arrival import arrival_stamp
from extractors.fields.common import (
    Found,
    Loc,
    clean_name,
    clean_value,
    label_value,
    label_values,
    mend_place,
    mend_role,
)
from extractors.fields.convention import convention_fields
from extractors.fields.deliberation import acknowledgment_missing, deliberation_fields
from extractors.fields.needs import (
    ACCOUNTS_LABELS,
    COUNT_LABELS,
    SCHOOLS_LABELS,
    needs_fields,
)

__all__ = [
    "ACCOUNTS_LABELS",
    "COUNT_LABELS",
    "SCHOOLS_LABELS",
    "Found",
    "Loc",
    "acknowledgment_missing",
    "arrival_stamp",
    "clean_name",
    "clean_value",
    "convention_fields",
    "deliberation_fields",
    "label_value",
    "label_values",
    "mend_place",
    "mend_role",
    "needs_fields",
]

"""Normalised spellings of list-valued cells (certifications, forbidden RM ids)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocator.contract import certification_list, parse_id_list


def normalise_id_lists(text: pd.Series) -> pd.Series:
    """``" M1; M2;M1"`` -> ``"M1;M2"``: trimmed, de-duplicated ids in input order."""
    codes, uniques = pd.factorize(text)
    lists = [";".join(parse_id_list(u)) for u in uniques] + [""]
    return pd.Series(np.array(lists, dtype=object)[codes], index=text.index, dtype="str")


def _certification_string(cell: str) -> str:
    return ";".join(certification_list(cell))


def normalise_certifications(text: pd.Series) -> pd.Series:
    """``" cfp; CPB;cfp"`` -> ``"CFP;CPB"``: stripped, upper-cased, de-duplicated tokens in input
    order, ``;``-joined (``""`` for none). Computed once per distinct value."""
    codes, uniques = pd.factorize(text)
    normalised = np.array([_certification_string(str(u)) for u in uniques] + [""], dtype=object)
    return pd.Series(normalised[codes], index=text.index, dtype="str")

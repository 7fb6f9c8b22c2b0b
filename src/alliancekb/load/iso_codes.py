"""ISO 3166 facts for the load format's country codes (pycountry), and the user-assigned range.

Out of `load.schema` (which re-exports them) only to keep that module under the size limit.
"""

from __future__ import annotations

import re
from typing import Final

import pycountry

#: ISO 3166-1 leaves XAA-XZZ to its users: a state ISO does not know (Prussia, the Ottoman
#: Empire, Kosovo) takes one of these, with its name given.
USER_ASSIGNED: Final = re.compile(r"X[A-Z]{2}")


def user_assigned(iso3: str) -> bool:
    """Whether a code is in ISO 3166-1's user-assigned range XAA-XZZ."""
    return USER_ASSIGNED.fullmatch(iso3) is not None


def iso_country(iso3: str) -> dict[str, str] | None:
    """ISO 3166 facts for a code: current (3166-1) or formerly used (3166-3)."""
    if len(iso3) != 3 or not iso3.isalpha():
        return None
    current = pycountry.countries.get(alpha_3=iso3.upper())
    if current is not None:
        return {
            "iso3": current.alpha_3,
            "iso2": current.alpha_2,
            "name": getattr(current, "common_name", None) or current.name,
            "official_name": getattr(current, "official_name", current.name),
        }
    former = pycountry.historic_countries.get(alpha_3=iso3.upper())
    if former is not None:
        return {"iso3": former.alpha_3, "name": former.name, "official_name": former.name}
    return None

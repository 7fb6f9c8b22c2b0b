"""Every section of the load format, in the order a load applies them.

The core's sections (`load.schema`, `load.sections`), then each kind added after the core
(`load.kinds`, found by `core.kind_parts`) after the core's entities and before the
memberships and statements that may name them, then `retracted`, after every other
section whatever the order in the file. The reader, the validator, the planner, the load
report and the template all read the sections from here, so a new kind is listed nowhere.
"""

from __future__ import annotations

from pydantic import BaseModel

from alliancekb.core.kind_parts import kind_parts
from alliancekb.load.schema import CORE_SECTIONS, RetractionIn
from alliancekb.load.sections import CORE_ENTITY_SECTIONS, Section


def _kind_sections() -> tuple[Section, ...]:
    sections: list[Section] = []
    for module in kind_parts("alliancekb.load.kinds"):
        section = module.SECTION
        assert isinstance(section, Section), f"{module.__name__}.SECTION is not a Section"
        sections.append(section)
    return tuple(sections)


#: The entity sections, in the order a flush applies them (dependencies first).
ENTITY_SECTIONS: tuple[Section, ...] = (*CORE_ENTITY_SECTIONS, *_kind_sections())

#: The entity sections by name.
SECTION_BY_NAME: dict[str, Section] = {s.name: s for s in ENTITY_SECTIONS}


def _sections() -> dict[str, type[BaseModel]]:
    sections: dict[str, type[BaseModel]] = {}
    for name, model in CORE_SECTIONS.items():
        if name == "memberships":
            sections.update(
                (s.name, s.record) for s in ENTITY_SECTIONS[len(CORE_ENTITY_SECTIONS) :]
            )
        sections[name] = model
    sections["retracted"] = RetractionIn
    return sections


#: Section name -> record model, in the order a load applies them.
SECTIONS: dict[str, type[BaseModel]] = _sections()


def _counted() -> tuple[str, ...]:
    counted: list[str] = []
    for section in ENTITY_SECTIONS:
        counted.append(section.name)
        if section.name == "alliances":
            counted.append("pillars")
        if section.name == "officials":
            counted.append("positions")
        if section.parts is not None:
            counted.extend(section.parts.counted)
    return (*counted, "memberships", "statements")


#: Kinds counted in a load report, in the order they are shown.
COUNTED_KINDS: tuple[str, ...] = _counted()

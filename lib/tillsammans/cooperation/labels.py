"""Swedish display of the curated cooperation tables: the one place their English notes are translated.

The reference tables in ``data/reference/cooperation/`` are kept as their compilers wrote them (with English
notes such as "inferred: …", "unverified", "other (…)", and members and hosts as codes); a report shows them in
Swedish. :func:`display_text` translates a cell and :func:`name_codes` replaces the region codes by names.
The sources are never rewritten. A phrase missing here stays in English; ``tests/test_cooperation.py`` checks
that no known English word reaches a report's table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

#: Whole phrases of the compilers' notes → Swedish (applied before the single words below).
PHRASES: dict[str, str] = {
    "inferred: superseded by joint IT board 2019": "härlett: ersatt av den gemensamma IT-nämnden 2019",
    "dissolved when joint IT board began 2019-01-01": "upplöst när den gemensamma IT-nämnden startade 2019-01-01",
    "inferred: organised/presented by Sala kommun": "härlett: organiseras och presenteras av Sala kommun",
    "stated as 'nämnd och reglemente'; form otherwise unverified":
        "anges som ”nämnd och reglemente”; formen i övrigt ej verifierad",
    "form as stated: samverkansavtal; details unverified": "formen enligt källan: samverkansavtal; detaljer ej "
                                                           "verifierade",
    "official name unverified": "officiellt namn ej verifierat",
    "form unverified": "formen ej verifierad",
    "OBS: briefens '37–39 §§' kunde inte bekräftas – lagändringen infogade 37 och 38 §§":
        "(lagändringen infogade 37 och 38 §§; hänvisningar till 37–39 §§ har inte kunnat bekräftas)",
}

#: Single words of the notes → Swedish (whole words, any case).
WORDS: dict[str, str] = {
    "unverified": "ej verifierat",
    "other": "annan form",
    "yes": "ja",
    "no": "nej",
    "partly": "delvis",
    "n.d.": "utan datum",
}

#: The tables' column names → Swedish (also used for the list of unverified fields of a row).
COLUMNS: dict[str, str] = {
    "name": "Namn",
    "function": "Verksamhet",
    "legal_form": "Form",
    "members": "Medlemmar",
    "host": "Värdkommun",
    "start": "Start",
    "end": "Slut",
    "cost_sharing": "Kostnadsfördelning",
    "source_url": "Källa",
    "source_date": "Källans datum",
    "evidence": "Underlag",
    "form": "Form",
    "legal_basis": "Lagrum",
    "separate_legal_entity": "Egen juridisk person",
    "political_body": "Politiskt organ",
    "employer": "Arbetsgivare",
    "myndighetsutovning_allowed": "Myndighetsutövning",
    "typical_use": "Typisk användning",
    "pros": "Fördelar",
    "cons": "Nackdelar",
}

#: Members that are not municipalities, as the tables' README lists them.
OTHER_MEMBERS: dict[str, str] = {"FK": "Försäkringskassan", "AF": "Arbetsförmedlingen"}

_CODE = re.compile(r"\b(\d{4}|R\d{2}|FK|AF)\b")


def display_text(value: object) -> str:
    """A cell of a curated table in Swedish: the known phrases and words translated, nothing dropped."""
    text = "" if value is None else str(value)
    for english, swedish in PHRASES.items():
        text = text.replace(english, swedish)
    for english, swedish in WORDS.items():
        # "no (…)" and "other (…)" open a cell; "unverified" also stands inside one.
        text = re.sub(rf"(?<![\w-]){re.escape(english)}(?![\w-])", swedish, text, flags=re.IGNORECASE)
    # Swedish quotation marks (”…”), not a programmer's straight quotes.
    return re.sub(r"(?<!\w)'([^']+)'(?!\w)", "”\\1”", text)


def name_codes(value: object, names: Mapping[str, str] | Callable[[str], str]) -> str:
    """Replace SCB codes (``0360``), region codes (``R03``) and ``FK``/``AF`` by names.

    ``names`` maps a code to its name (a dict or a function, e.g. the registry's ``name``); a code it does not
    know stays as it is. "Sundbyberg (Sundbyberg)" left by a code followed by its own name becomes "Sundbyberg".
    """
    lookup = names.get if isinstance(names, Mapping) else names

    def one(match: re.Match) -> str:
        code = match.group(1)
        if code in OTHER_MEMBERS:
            return OTHER_MEMBERS[code]
        try:
            found = lookup(code.removeprefix("R"))
        except (KeyError, ValueError):
            found = None
        if not found:
            return code
        # R03 is the regional authority (a member of an agreement), named as Kolada names it: "Region Uppsala".
        return str(found)

    text = _CODE.sub(one, "" if value is None else str(value))
    return re.sub(r"\b([\wÅÄÖåäö-]+) \(\1\)", r"\1", text)


__all__ = ["COLUMNS", "OTHER_MEMBERS", "PHRASES", "WORDS", "display_text", "name_codes"]

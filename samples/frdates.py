"""French renderings of dates, as town halls, prefectures and date stamps write them."""

from __future__ import annotations

import datetime as dt
import random

from rules.flags import FRENCH_MONTHS

MONTHS = FRENCH_MONTHS
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
# Abbreviated months of date stamps ("12 JAN. 2022").
STAMP_MONTHS = (
    "JAN.",
    "FÉV.",
    "MARS",
    "AVR.",
    "MAI",
    "JUIN",
    "JUIL.",
    "AOÛT",
    "SEPT.",
    "OCT.",
    "NOV.",
    "DÉC.",
)

_UNITS = (
    "zéro",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
)
_TENS = {20: "vingt", 30: "trente", 40: "quarante", 50: "cinquante"}


def number_words(n: int) -> str:
    """French words for 0..59 (enough for days, hours and minutes)."""
    if n < 0 or n > 59:
        raise ValueError(f"number_words: {n} out of range")
    if n <= 16:
        return _UNITS[n]
    if n < 20:
        return "dix-" + _UNITS[n - 10]
    tens, unit = divmod(n, 10)
    word = _TENS[tens * 10]
    if unit == 0:
        return word
    if unit == 1:
        return f"{word} et un"
    return f"{word}-{_UNITS[unit]}"


def year_words(year: int) -> str:
    if not 2000 <= year <= 2059:
        raise ValueError(f"year_words: {year} out of range")
    rest = year - 2000
    return "deux mille" + (f" {number_words(rest)}" if rest else "")


def day_word(day: int) -> str:
    return "premier" if day == 1 else number_words(day)


def long_date(d: dt.date) -> str:
    """``13 décembre 2021``, ``1er décembre 2021``."""
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS[d.month - 1]} {d.year}"


def weekday_date(d: dt.date) -> str:
    """``lundi 13 décembre 2021``."""
    return f"{WEEKDAYS[d.weekday()]} {long_date(d)}"


def numeric_date(d: dt.date) -> str:
    """``13/12/2021``."""
    return d.strftime("%d/%m/%Y")


def dotted_short(d: dt.date) -> str:
    """``13.12.21``."""
    return d.strftime("%d.%m.%y")


def words_date(d: dt.date) -> str:
    """``L'an deux mille vingt et un, le treize décembre``."""
    return f"L'an {year_words(d.year)}, le {day_word(d.day)} {MONTHS[d.month - 1]}"


def words_time(hour: int, minute: int) -> str:
    """``vingt heures trente``."""
    text = f"{number_words(hour)} heure{'s' if hour > 1 else ''}"
    return f"{text} {number_words(minute)}" if minute else text


def stamp_date(d: dt.date, style: int = 0) -> str:
    """What a rubber date stamp prints: ``12 JAN. 2022`` (0), ``12 JANV 2022`` (1),
    ``12.01.2022`` (2)."""
    if style == 1:
        month = STAMP_MONTHS[d.month - 1].rstrip(".")
        month = {"JAN": "JANV", "FÉV": "FÉVR"}.get(month, month)
        return f"{d.day:02d} {month} {d.year}"
    if style == 2:
        return d.strftime("%d.%m.%Y")
    return f"{d.day:02d} {STAMP_MONTHS[d.month - 1]} {d.year}"


def any_date(d: dt.date, rng: random.Random) -> str:
    """One of the common written forms, picked by ``rng``."""
    return rng.choice((numeric_date, numeric_date, long_date, dotted_short))(d)


def is_working_day(d: dt.date) -> bool:
    return d.weekday() < 5 and (d.month, d.day) not in {(1, 1), (12, 25), (11, 11), (5, 1)}


def add_working_days(d: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``d`` (``n`` >= 1), or ``d`` itself if ``n`` == 0."""
    while n > 0:
        d += dt.timedelta(days=1)
        if is_working_day(d):
            n -= 1
    return d


def sub_working_days(d: dt.date, n: int) -> dt.date:
    while n > 0:
        d -= dt.timedelta(days=1)
        if is_working_day(d):
            n -= 1
    return d


def working_days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """Working days in ``[start, end]``."""
    out = []
    d = start
    while d <= end:
        if is_working_day(d):
            out.append(d)
        d += dt.timedelta(days=1)
    return out

from datetime import date

from infomachine.synth.analyze.dates import find_dates, parse_loose

PUB = date(2024, 3, 14)  # a Thursday


def days(text: str, ref: date | None = PUB) -> list[str]:
    return [m.date.isoformat() for m in find_dates(text, ref)]


def test_explicit_dates_in_many_spellings() -> None:
    assert days("The vote was held on 2 March 2023.") == ["2023-03-02"]
    assert days("Filed on Feb. 9, 2024 and heard 2024-02-20.") == ["2024-02-09", "2024-02-20"]
    assert days("Tokenised text : Dec . 15 , 2009 was the day .") == ["2009-12-15"]


def test_relative_dates_resolve_against_publication_date() -> None:
    assert days("The council met yesterday.") == ["2024-03-13"]
    assert days("The mayor resigned on Monday.") == ["2024-03-11"]
    assert days("The mayor will resign on Monday.") == ["2024-03-18"]
    assert days("Talks collapsed three days ago.") == ["2024-03-11"]
    assert days("A decision is expected today.") == ["2024-03-14"]


def test_month_day_without_year_takes_nearest_year() -> None:
    assert days("Ballots were counted on March 3.") == ["2024-03-03"]
    assert days("The appeal was filed on December 28.") == ["2023-12-28"]


def test_no_reference_means_no_relative_dates() -> None:
    assert days("It happened yesterday and on 5 May 2021.", None) == ["2021-05-05"]


def test_times_and_month_only_are_not_days() -> None:
    assert days("In May 2020 the firm grew.") == []
    assert days("Sales rose 12% in March 2022.") == []


def test_parse_loose_uses_rules_first() -> None:
    assert parse_loose("yesterday", PUB) == date(2024, 3, 13)

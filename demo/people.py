"""Realistic, reproducible member records: names, ages, ID numbers, phones, party history."""

from datetime import date, timedelta
from itertools import accumulate

from core.validators import id_check_char
from members.models import Member
from members.services import name_initials

from . import names

EDUCATIONS = [choice for choice, _label in Member.Education.choices]


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def _table(pairs):
    values, weights = zip(*pairs, strict=True)
    return list(values), list(accumulate(weights))


class PeopleMaker:
    """Draws member records from one random.Random; keeps ID and phone numbers unique."""

    def __init__(self, rng, as_of: date):
        self.rng = rng
        self.as_of = as_of
        self.id_numbers: set[str] = set()
        self.phones: set[str] = set()
        self._initials: dict[str, str] = {}
        self._surnames = _table(names.SURNAMES)
        self._ethnicities = _table(names.ETHNICITIES)
        self._areas = _table(names.AREA_CODES)

    def _pick(self, table):
        return self.rng.choices(table[0], cum_weights=table[1])[0]

    def name(self, male: bool, born: int) -> str:
        rng = self.rng
        if born < 1965 and rng.random() < 0.3:
            given = rng.choice(names.OLD_STYLE_MALE if male else names.OLD_STYLE_FEMALE)
        else:
            last = rng.choice(names.MALE_CHARS if male else names.FEMALE_CHARS)
            given = last if rng.random() < 0.35 else rng.choice(names.FIRST_CHARS) + last
        return self._pick(self._surnames) + given

    def birth_date(self, age: int) -> date:
        earliest = add_years(self.as_of, -(age + 1)) + timedelta(days=1)
        latest = add_years(self.as_of, -age)
        return earliest + timedelta(days=self.rng.randrange((latest - earliest).days + 1))

    def id_number(self, birth: date, male: bool) -> str:
        while True:
            # The 17th digit is odd for men and even for women (GB 11643).
            serial = self.rng.randrange(500) * 2 + (1 if male else 0)
            first17 = f"{self._pick(self._areas)}{birth:%Y%m%d}{serial:03d}"
            number = first17 + id_check_char(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def phone(self) -> str:
        while True:
            number = self.rng.choice(names.PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def age(self, category: str, probationary: bool) -> int:
        rng = self.rng
        if category == Member.Category.RETIRED:
            return 60 + int(rng.betavariate(1.3, 2.5) * 26)
        if probationary:
            return 23 + int(rng.betavariate(1.5, 3) * 13)
        return 23 + int(rng.betavariate(2, 2.2) * 37)

    def joined_on(self, birth: date, probationary: bool) -> date:
        rng = self.rng
        if probationary:  # admitted by the branch within the last year
            return self.as_of - timedelta(days=rng.randint(15, 350))
        earliest = add_years(birth, 18) + timedelta(days=1)
        latest = self.as_of - timedelta(days=400)  # confirmed at least a month ago
        joined = add_years(birth, 18 + int(rng.betavariate(1.6, 4) * 22)) + timedelta(
            days=rng.randrange(365)
        )
        if not earliest <= joined <= latest:
            joined = earliest + timedelta(days=rng.randrange(max(1, (latest - earliest).days)))
        return joined

    def education(self, category: str, age: int) -> str:
        key = (
            "retired"
            if category == Member.Category.RETIRED
            else ("young" if age < 45 else "senior")
        )
        return self.rng.choices(EDUCATIONS, weights=names.EDUCATION_WEIGHTS[key])[0]

    def post(self, category: str, age: int) -> str:
        if category == Member.Category.RETIRED:
            return "退休干部"
        for below, posts in names.POSTS_BY_AGE:
            if age < below:
                return self.rng.choice(posts)
        return "科员"

    def category(self) -> str:
        roll = self.rng.random()
        if roll < 0.12:
            return Member.Category.RETIRED
        if roll < 0.145:
            return Member.Category.MOBILE
        if roll < 0.15:
            return Member.Category.LOST_CONTACT
        return Member.Category.EMPLOYED

    def member(self, unit, category: str | None = None) -> Member:
        """A member of a unit, not yet placed in a branch."""
        rng = self.rng
        category = category or self.category()
        probationary = category == Member.Category.EMPLOYED and rng.random() < 0.055
        male = rng.random() < 0.58
        age = self.age(category, probationary)
        birth = self.birth_date(age)
        joined = self.joined_on(birth, probationary)
        name = self.name(male, birth.year)
        member = Member(
            name=name,
            gender=Member.Gender.MALE if male else Member.Gender.FEMALE,
            ethnicity=self._pick(self._ethnicities),
            birth_date=birth,
            education=self.education(category, age),
            unit=unit,
            post=self.post(category, age),
            joined_on=joined,
            confirmed_on=None if probationary else add_years(joined, 1),
            membership_kind=Member.MembershipKind.PROBATIONARY
            if probationary
            else Member.MembershipKind.FULL,
            category=category,
        )
        member.id_number = self.id_number(birth, male)
        member.phone = (
            "" if category == Member.Category.RETIRED and rng.random() < 0.03 else self.phone()
        )
        self.rename(member, name)
        return member

    def rename(self, member: Member, name: str) -> None:
        if name not in self._initials:
            self._initials[name] = name_initials(name)
        member.name, member.name_initials = name, self._initials[name]

    def make_names_unique(self, members) -> None:
        """Redraw duplicate names inside one organization so people can tell members apart."""
        seen = set()
        for member in members:
            while member.name in seen:
                self.rename(
                    member, self.name(member.gender == Member.Gender.MALE, member.birth_date.year)
                )
            seen.add(member.name)

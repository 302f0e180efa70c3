"""The deterministic demo portfolio: ``generate(borrowers, seed, as_of)`` → every record.

Same ``(borrowers, seed, as_of)`` → the same records, byte for byte: every borrower draws from
its own ``random.Random`` seeded with ``(seed, index)`` — no clock, no hash or set order, no
global state — so borrower ``B000123`` is the same whatever else is generated, and a range of
borrowers can be generated on its own (in another process) with identical results.

The default ``as_of`` is a fixed date (2026-11-27), not today: with today's date the same seed
would give different due dates, DPD and histories every day, and nothing could be compared.

Order: agents, queues, then borrower by borrower, each borrower's records in the order of
``models.ENTITIES`` (borrower, vehicles, loans, payments, interactions, promises, escalations,
callbacks). A record never comes before a record it refers to.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from random import Random
from typing import Any

from workbench.core import demo_loans as dl
from workbench.core.clock import stamp
from workbench.core.contacts import HistoryContext, history_size, interactions
from workbench.core.followups import callback, escalation, promises
from workbench.core.geo import UTC_OFFSET_HOURS
from workbench.core.names import COMMON_FULL_NAMES
from workbench.core.people import (
    bank_card,
    employer,
    id_number,
    landline,
    mobile_number,
    person_name,
    pick_province,
    street_line,
)
from workbench.core.staff import SUPERVISORS, agent_records, agents_for, queue_records
from workbench.core.vehicles import MAKE_CUM, MAKES, make_plate, make_vin

GENERATOR_VERSION = 1  # bump whenever the same parameters would give different records
DEFAULT_AS_OF = date(2026, 11, 27)
DEFAULT_SEED = 7
DEFAULT_BORROWERS = 2000
PAIR_PERIOD = 97  # borrowers 11 and 12 of every 97 are a married couple sharing a household
NAME_PERIOD = 50  # every 50 of the first 1,000 borrowers, a few get the most common full names

Record = tuple[str, str, dict[str, Any]]


def generate(borrowers: int, seed: int, as_of: date) -> Iterator[Record]:
    """Every record of the portfolio as ``(entity, id, data)``, in feed order."""
    gen = PortfolioGenerator(borrowers, seed, as_of)
    yield from gen.staff()
    for index in range(1, borrowers + 1):
        yield from gen.borrower(index)


def heavy_borrowers(borrowers: int, seed: int) -> frozenset[int]:
    """Borrowers with 1,000–3,000 contacts: one below 1,000 borrowers, else two or three."""
    rng = Random(seed * 31 + 17)
    first = 1 + rng.randrange(min(borrowers, 150))
    wanted = 1 if borrowers < 1000 else rng.choice((2, 3))
    chosen = {first}
    while len(chosen) < min(wanted, borrowers):
        chosen.add(1 + rng.randrange(borrowers))
    return frozenset(chosen)


class PortfolioGenerator:
    """Generates the staff once and each borrower's records on demand."""

    def __init__(self, borrowers: int, seed: int, as_of: date) -> None:
        if borrowers < 0:
            raise ValueError(f"borrowers must be 0 or more, got {borrowers}")
        self.borrowers = borrowers
        self.seed = seed
        self.as_of = as_of
        self.agents = agent_records(seed)
        self.by_queue = agents_for(self.agents)
        self.heavy = heavy_borrowers(borrowers, seed)
        self.schedules = dl.ScheduleMaker()

    def staff(self) -> Iterator[Record]:
        for a in self.agents:
            yield "agent", a["id"], a
        for q in queue_records():
            yield "queue", q["id"], q

    def _rng(self, index: int, salt: int = 0) -> Random:
        return Random((self.seed << 40) + (index << 2) + salt)

    def partner(self, index: int) -> int | None:
        """The spouse of ``index`` among the borrowers, if ``index`` is half of a couple."""
        pos = index % PAIR_PERIOD
        if pos == 11 and index + 1 <= self.borrowers:
            return index + 1
        if pos == 12:
            return index - 1
        return None

    def borrower(self, index: int) -> list[Record]:
        """All records of borrower ``index`` (1-based), in entity order."""
        rng = self._rng(index)
        bid = f"B{index:06d}"
        partner = self.partner(index)
        home = self._rng(min(index, partner), 1) if partner else rng
        province = pick_province(home)
        city = home.choice(province.cities)
        district, region = home.choice(city.districts)
        line = street_line(home)
        offset = UTC_OFFSET_HOURS[province.tz]

        gender, name = self._name(rng, index, partner)
        age_days = rng.randint(22 * 365, 60 * 365)
        birth = self.as_of - timedelta(days=age_days)
        facts = self._loans(rng, index, bid, province, city, offset)
        worst = max(facts, key=lambda f: f.dpd)
        flags = self._flags(rng, facts, worst)
        first_start = min(f.start for f in facts)
        borrower = {
            "id": bid,
            "name": name,
            "id_no": id_number(rng, region, birth, gender),
            "gender": gender,
            "birth_date": birth.isoformat(),
            "phones": self._phones(rng, index, partner, city),
            "address": {"province": province.name, "city": city.name, "district": district,
                        "line": line},
            "tz": province.tz,
            "employer": employer(rng, city),
            "risk_grade": _risk_grade(rng, worst),
            "flags": flags,
            "created_at": stamp(first_start - timedelta(days=rng.randint(1, 10)),
                                   rng.randint(32_400, 61_200), offset),
        }  # fmt: skip
        records: list[Record] = [("borrower", bid, borrower)]
        records += [("vehicle", f.vehicle["id"], f.vehicle) for f in facts]
        records += [("loan", f.loan["id"], f.loan) for f in facts]
        records += [("payment", p["id"], p) for f in facts for p in f.payments]
        history = self._history(rng, index, bid, city.name, offset, facts, worst, flags)
        records += [("interaction", x["id"], x) for x in history]
        records += self._followups(rng, bid, borrower, facts, worst, flags, offset)
        return records

    def _name(self, rng: Random, index: int, partner: int | None) -> tuple[str, str]:
        if partner:
            gender = "M" if partner > index else "F"
        else:
            gender = "M" if rng.random() < 0.62 else "F"  # car buyers skew male
        # Dense in the first thousand (small demos need them), sparse after (1M is not 2 % 张伟).
        slot = index % (NAME_PERIOD if index <= 1000 else 1000)
        if slot in (7, 23, 41) and not partner:
            full, gender = COMMON_FULL_NAMES[(7, 23, 41).index(slot)]
            return gender, full
        if slot == 33 and not partner:
            full, gender = COMMON_FULL_NAMES[3 + (index // NAME_PERIOD) % 7]
            return gender, full
        return gender, person_name(rng, gender)

    def _loans(self, rng, index, bid, province, city, offset) -> list[dl.LoanFacts]:
        count = 2 if rng.random() < 0.1 else 1
        card = bank_card(rng)
        facts = []
        for k in range(1, count + 1):
            state = "chronic" if index in self.heavy and k == 1 else dl.pick_state(rng)
            facts.append(self._loan(rng, bid, k, state, card, province, city, offset))
        return facts

    def _loan(self, rng, bid, k, state, card, province, city, offset) -> dl.LoanFacts:
        make = rng.choices(MAKES, cum_weights=MAKE_CUM)[0]
        price = rng.randint(make.price_wan[0] * 10, make.price_wan[1] * 10) * 1000
        product, principal, rate, term = dl.pick_terms(rng, price)
        if state == "chronic":
            term = 60
        start = dl.pick_start(rng, state, term, self.as_of)
        schedule = self.schedules.build(product, principal, rate, term, start)
        loan_id = f"L{bid[1:]}-{k}"
        book = dl.PaymentBook(loan_id, bid, offset, rng)
        settled_on = dl.settle_schedule(rng, schedule, state, self.as_of, book)
        dpd = dl.dpd_of(schedule, self.as_of, book.paid_through)
        index = int(bid[1:])
        loan = {
            "id": loan_id,
            "contract_no": f"HT{start.year}{province.code}{index * 10 + k:08d}",
            "borrower_id": bid,
            "vehicle_id": f"V{bid[1:]}-{k}",
            "product": product,
            "principal": principal,
            "annual_rate_bp": rate,
            "term_months": term,
            "start_date": start.isoformat(),
            "maturity_date": schedule[-1].due_date,
            "installment_amount": schedule[0].principal + schedule[0].interest,
            "debit_card": card,
            "status": dl.loan_status(state, dpd, settled_on),
            "schedule": dl.installment_dicts(schedule),
            "late_fee_daily_bp": 5,
        }
        first_unpaid = dl.first_unpaid_due(schedule, book.paid_through)
        facts = dl.LoanFacts(
            loan, schedule, state, start, dpd, first_unpaid, settled_on, book.records
        )
        facts.vehicle = self._vehicle(rng, loan, make, start, settled_on, province, city)
        return facts

    def _vehicle(self, rng, loan, make, start, settled_on, province, city) -> dict[str, Any]:
        year = start.year if rng.random() < 0.8 else start.year - rng.randint(1, 4)
        lien = "mortgaged"
        if settled_on is not None:
            recent = (self.as_of - settled_on).days <= 30
            lien = "releasing" if recent or rng.random() < 0.05 else "released"
        expiry = date(self.as_of.year, start.month, min(start.day, 28))
        if expiry <= self.as_of:
            expiry = expiry.replace(year=expiry.year + 1)
        if rng.random() < 0.04:
            expiry = expiry.replace(year=expiry.year - 1)  # lapsed: a reason to call
        return {
            "id": loan["vehicle_id"],
            "borrower_id": loan["borrower_id"],
            "vin": make_vin(rng, make, year),
            "plate": make_plate(rng, province.short, city.plate_letters, make.energy),
            "brand": make.brand,
            "model": rng.choice(make.models),
            "year": year,
            "gps_installed": rng.random() < 0.85,
            "lien_status": lien,
            "insurance_expiry": expiry.isoformat(),
        }

    def _phones(self, rng, index, partner, city) -> list[dict[str, Any]]:
        def phone(number: str, kind: str, consent: bool = True) -> dict[str, Any]:
            dnc = rng.random() < 0.02
            return {"number": number, "kind": kind, "consent": consent, "do_not_call": dnc}

        phones = [phone(mobile_number(self.seed, index, 0), "mobile")]
        if partner:
            phones.append(phone(mobile_number(self.seed, partner, 0), "spouse"))
        roll = rng.random()
        if roll < 0.22:
            phones.append(phone(mobile_number(self.seed, index, 1), "relative", rng.random() < 0.9))
        elif roll < 0.3:
            phones.append(phone(landline(rng, city), "work"))
        elif roll < 0.36:
            phones.append(phone(landline(rng, city), "home"))
        if rng.random() < 0.05:
            phones.append(phone(mobile_number(self.seed, index, 2), "mobile"))
        return phones

    def _flags(self, rng: Random, facts: list[dl.LoanFacts], worst: dl.LoanFacts) -> list[str]:
        flags = []
        big = max(f.loan["principal"] for f in facts) >= 30_000_000
        if rng.random() < (0.2 if big else 0.02):
            flags.append("vip")
        if rng.random() < 0.025:
            flags.append("complaint_risk")
        if worst.dpd > 90 and rng.random() < 0.5:
            flags.append("legal_hold")
        if rng.random() < 0.003:
            flags.append("cease_contact")
        if rng.random() < 0.0005:
            flags.append("deceased")
        if rng.random() < 0.001:
            flags.append("fraud_suspect")
        return flags

    def _history(self, rng, index, bid, city, offset, facts, worst, flags) -> list[dict]:
        settled = [f.settled_on for f in facts if f.settled_on is not None]
        if index in self.heavy:
            kind, count = "chronic", rng.randint(1000, 3000)
        else:
            kind = "settled" if len(settled) == len(facts) else worst.state
            if kind not in ("settled", "chronic") and worst.dpd == 0:
                kind = "current"
            count = history_size(rng, kind)
        due_day = date.fromisoformat(worst.loan["schedule"][0]["due_date"]).day
        outstanding = sum(x.principal - x.paid_principal for x in worst.schedule)
        ctx = HistoryContext(
            borrower_id=bid, city=city, offset_h=offset, loan_id=worst.loan["id"],
            amount_fen=worst.loan["installment_amount"], payoff_fen=outstanding,
            due_day=due_day, window_start=min(f.start for f in facts),
            window_end=self.as_of - timedelta(days=1),
            collection_from=worst.first_unpaid_due if worst.dpd else None,
            settled_on=max(settled) if settled else None,
            complaint_risk="complaint_risk" in flags, chronic=kind == "chronic",
        )  # fmt: skip
        return interactions(rng, ctx, count, self.by_queue)

    def _followups(self, rng, bid, borrower, facts, worst, flags, offset) -> list[Record]:
        out: list[Record] = []
        promise_list = []
        for f in facts:
            promise_list += promises(rng, bid, f, self.as_of, offset, self.by_queue["overdue"])
        out += [("promise", p["id"], p) for p in promise_list]
        open_promises = sum(1 for p in promise_list if p["status"] == "pending")
        departments = []
        if worst.dpd > 90:
            departments.append("legal" if "legal_hold" in flags else "collections")
        if "complaint_risk" in flags and rng.random() < 0.6:
            departments.append("complaints")
        if any(f.vehicle["lien_status"] == "releasing" for f in facts) and rng.random() < 0.5:
            departments.append("operations")
        if "fraud_suspect" in flags or rng.random() < 0.004:
            departments.append("risk")
        if rng.random() < 0.01:
            departments.append("supervisor")
        for dept in departments:
            queue = {"complaints": "complaints", "operations": "lien_release"}.get(dept, "overdue")
            raised_by = rng.choice(self.by_queue[queue])
            esc = escalation(rng, bid, dept, worst, open_promises, self.as_of, offset, raised_by,
                             SUPERVISORS)  # fmt: skip
            out.append(("escalation", esc["id"], esc))
        out += self._callbacks(rng, bid, borrower, facts, worst, promise_list, flags, offset)
        return out

    def _callbacks(self, rng, bid, borrower, facts, worst, promise_list, flags, offset):
        if "cease_contact" in flags or "deceased" in flags:
            return []
        callable_ = [p["number"] for p in borrower["phones"] if not p["do_not_call"]]
        if not callable_:
            return []
        reasons = []
        if rng.random() < 0.02:
            reasons.append(("abandoned", "repayment"))
        if rng.random() < 0.015:
            reasons.append(("requested", "repayment"))
        if worst.dpd and any(p["status"] == "broken" for p in promise_list) and rng.random() < 0.4:
            reasons.append(("broken_promise", "overdue"))
        if any(f.settled_on for f in facts) and rng.random() < 0.2:
            reasons.append(("follow_up", "lien_release"))
        return [
            ("callback", cb["id"], cb)
            for n, (reason, queue) in enumerate(reasons, 1)
            for cb in [callback(rng, bid, n, reason, callable_[0], self.as_of, offset, queue)]
        ]


def _risk_grade(rng: Random, worst: dl.LoanFacts) -> str:
    if worst.dpd > 90:
        return "E"
    if worst.dpd > 30:
        return "D"
    if worst.dpd > 0 or worst.state == "chronic":
        return rng.choice("CD")
    return rng.choices("ABC", weights=(40, 40, 20))[0]

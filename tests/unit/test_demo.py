"""The demo portfolio: reproducible, consistent with the domain rules, realistic where it counts."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import pytest

from workbench.core.demo import PortfolioGenerator, generate, heavy_borrowers
from workbench.core.geo import PROVINCE_BY_NAME, UTC_OFFSET_HOURS
from workbench.core.portfolio import encode_chunk
from workbench.core.staff import DISPOSITIONS
from workbench.core.storage import encode_data
from workbench.core.vehicles import MAKES
from workbench.domain.checkdigits import is_valid_id_no, is_valid_vin
from workbench.domain.loans import bucket, build_schedule, days_past_due
from workbench.domain.models import ENTITIES, Installment

AS_OF = date(2026, 11, 27)
N = 300


def digest(records) -> str:
    h = hashlib.sha256()
    for entity, id_, data in records:
        h.update(f"{entity}\x00{id_}\x00{encode_data(data)}\n".encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def records() -> list[tuple[str, str, dict]]:
    return list(generate(N, 7, AS_OF))


@pytest.fixture(scope="module")
def by_entity(records) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for entity, _, data in records:
        out[entity].append(data)
    return out


def test_same_parameters_give_the_same_bytes_and_another_seed_does_not(records):
    assert digest(generate(N, 7, AS_OF)) == digest(records)
    small = digest(generate(30, 7, AS_OF))
    assert digest(generate(30, 8, AS_OF)) != small
    assert digest(generate(30, 7, AS_OF + timedelta(days=1))) != small


def test_chunks_generated_apart_join_into_the_same_feed(records):
    joined = encode_chunk(N, 7, AS_OF.isoformat(), 1, 151)
    joined += encode_chunk(N, 7, AS_OF.isoformat(), 151, N + 1)
    assert joined == [(e, i, encode_data(d)) for e, i, d in records]


def test_feed_order_is_staff_first_then_borrower_by_borrower_in_entity_order(records):
    order = list(ENTITIES)
    assert [e for e, _, _ in records[:24]] == ["agent"] * 20 + ["queue"] * 4
    seen: set[tuple[str, str]] = set()
    last_rank: dict[str, int] = {}
    for entity, id_, data in records[24:]:
        assert (entity, id_) not in seen
        seen.add((entity, id_))
        owner = data["id"] if entity == "borrower" else data["borrower_id"]
        rank = order.index(entity)
        assert rank >= last_rank.get(owner, 0), f"{entity} {id_} out of order"
        last_rank[owner] = rank


def _fields(cls) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_every_record_has_exactly_the_fields_of_its_entity(records):
    for entity, id_, data in records:
        assert set(data) == _fields(ENTITIES[entity]), entity
        assert data["id"] == id_
    for data in (d for e, _, d in records if e == "loan"):
        assert all(set(x) == _fields(Installment) for x in data["schedule"])


def test_id_numbers_are_valid_and_agree_with_province_birth_date_and_gender(by_entity):
    for b in by_entity["borrower"]:
        id_no = b["id_no"]
        assert is_valid_id_no(id_no), id_no
        province = PROVINCE_BY_NAME[b["address"]["province"]]
        codes = {code for city in province.cities for _, code in city.districts}
        assert id_no[:6] in codes
        assert id_no[6:14] == b["birth_date"].replace("-", "")
        assert int(id_no[16]) % 2 == (1 if b["gender"] == "M" else 0)
        assert b["tz"] == province.tz


def test_vins_are_valid_and_plates_match_the_borrowers_province(by_entity):
    home = {b["id"]: b["address"] for b in by_entity["borrower"]}
    wmis = {m.wmi for m in MAKES}
    green = 0
    for v in by_entity["vehicle"]:
        assert is_valid_vin(v["vin"]) and v["vin"][:3] in wmis, v["vin"]
        address = home[v["borrower_id"]]
        province = PROVINCE_BY_NAME[address["province"]]
        city = next(c for c in province.cities if c.name == address["city"])
        assert re.fullmatch(r"\w[A-Z]·[A-Z0-9]{5,6}", v["plate"]), v["plate"]
        assert v["plate"][0] == province.short and v["plate"][1] in city.plate_letters
        green += len(v["plate"]) == 9
    assert green > 0


def test_schedules_are_the_domain_schedules_and_payments_explain_what_is_paid(by_entity):
    paid_by_loan = Counter()
    for p in by_entity["payment"]:
        if p["status"] == "posted":
            paid_by_loan[p["loan_id"]] += p["amount"]
    for loan in by_entity["loan"]:
        schedule = [Installment(**x) for x in loan["schedule"]]
        assert sum(x.principal for x in schedule) == loan["principal"]
        assert 3_000_000 <= loan["principal"] <= 40_000_000
        assert loan["maturity_date"] == schedule[-1].due_date
        fresh = build_schedule(
            loan["product"],
            loan["principal"],
            loan["annual_rate_bp"],
            loan["term_months"],
            date.fromisoformat(loan["start_date"]),
        )
        assert [(x.due_date, x.principal) for x in fresh] == [
            (x.due_date, x.principal) for x in schedule
        ]
        paid = sum(x.paid_principal + x.paid_interest for x in schedule)
        assert paid == paid_by_loan[loan["id"]], loan["id"]


def test_status_follows_dpd_and_most_loans_are_current(by_entity):
    buckets = Counter()
    for loan in by_entity["loan"]:
        dpd = days_past_due([Installment(**x) for x in loan["schedule"]], AS_OF)
        if loan["status"] in ("settled", "early_settled"):
            assert dpd == 0 and all(x["paid_date"] for x in loan["schedule"])
            continue
        expected = "active" if dpd == 0 else ("charged_off" if dpd > 180 else "overdue")
        assert loan["status"] == expected, loan["id"]
        buckets[bucket(dpd)] += 1
    active = sum(buckets.values())
    assert buckets["M0"] / active > 0.75
    assert buckets["M1"] > 0 and buckets["M2"] + buckets["M3"] + buckets["M4+"] > 0


def test_names_include_many_two_character_names_and_the_most_common_ones(by_entity):
    names = Counter(b["name"] for b in by_entity["borrower"])
    two = sum(n for name, n in names.items() if len(name) == 2)
    assert two / N > 0.3
    assert names["张伟"] >= 2 and names["王芳"] >= 2 and names["李娜"] >= 2


def test_phones_are_mainland_numbers_some_shared_by_spouses_some_do_not_call(by_entity):
    owners = defaultdict(set)
    dnc = 0
    for b in by_entity["borrower"]:
        assert b["phones"][0]["kind"] == "mobile"
        for phone in b["phones"]:
            assert phone["number"].isdigit()
            if phone["number"].startswith("1"):
                assert re.fullmatch(r"1[3-9]\d{9}", phone["number"])
            owners[phone["number"]].add(b["id"])
            dnc += phone["do_not_call"]
    shared = [n for n, who in owners.items() if len(who) > 1]
    assert shared and all(len(owners[n]) == 2 for n in shared)
    assert max(len(b["phones"]) for b in by_entity["borrower"]) >= 3
    assert dnc > 0


def test_a_few_borrowers_have_thousands_of_contacts_most_have_few(by_entity):
    per = Counter(x["borrower_id"] for x in by_entity["interaction"])
    (heavy,) = heavy_borrowers(N, 7)
    assert per[f"B{heavy:06d}"] > 1000
    light = [per.get(b["id"], 0) for b in by_entity["borrower"] if b["id"] != f"B{heavy:06d}"]
    assert max(light) <= 50 and sorted(light)[len(light) // 2] < 10
    assert len(heavy_borrowers(200, 1)) == 1 and len(heavy_borrowers(5000, 1)) in (2, 3)


def test_contacts_refer_to_real_people_queues_and_dispositions(by_entity):
    agents = {a["id"] for a in by_entity["agent"]}
    loans = {x["id"] for x in by_entity["loan"]}
    tz = {b["id"]: b["tz"] for b in by_entity["borrower"]}
    assert {q["id"] for q in by_entity["queue"]} == set(DISPOSITIONS)
    for x in by_entity["interaction"]:
        assert x["agent_id"] is None or x["agent_id"] in agents
        assert x["loan_id"] in loans
        if x["queue_id"]:
            assert x["disposition"] in DISPOSITIONS[x["queue_id"]]
        started = datetime.fromisoformat(x["started_at"].replace("Z", "+00:00"))
        local_hour = (started.hour + UTC_OFFSET_HOURS[tz[x["borrower_id"]]]) % 24
        assert 8 <= local_hour < 22
        assert x["started_at"] < f"{AS_OF.isoformat()}T00:00:00Z"
    for e in ("promise", "escalation", "callback"):
        assert by_entity[e], f"no {e} in {N} borrowers"
    assert {p["status"] for p in by_entity["promise"]} >= {"pending", "kept", "broken"}


def test_staff_are_agents_two_supervisors_and_an_auditor(by_entity):
    roles = Counter(a["role"] for a in by_entity["agent"])
    assert roles == {"agent": 17, "supervisor": 2, "auditor": 1}
    names = {q["name"] for q in by_entity["queue"]}
    assert names == {"还款咨询", "逾期协商", "解押办理", "投诉建议"}


def test_borrowers_do_not_depend_on_the_portfolio_size():
    small = PortfolioGenerator(40, 7, AS_OF).borrower(5)
    large = PortfolioGenerator(4000, 7, AS_OF).borrower(5)
    assert small == large

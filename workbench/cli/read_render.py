"""What the read commands print: the unified view as masked data, and compact rich tables.

Text that came from the core (names, notes, addresses) is wrapped in ``rich.text.Text`` so it is
never parsed as markup, and control characters are made visible by ``domain.text`` rules.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from workbench.domain import pii
from workbench.domain.money import format_fen
from workbench.domain.text import one_line
from workbench.store.queries import BorrowerView, LookupHit


def t(value: Any, style: str = "") -> Text:
    """Untrusted text as a harmless one-line ``Text``: never markup, no control sequences."""
    return Text(one_line("" if value is None else str(value)), style=style)


def view_as_data(view: BorrowerView, recent: list[Any]) -> dict[str, Any]:
    """The unified view as JSON-ready data, every ID, phone and card number masked."""
    borrower = asdict(view.borrower)
    borrower["id_no"] = pii.mask_id_no(view.borrower.id_no)
    for phone in borrower["phones"]:
        phone["number"] = pii.mask_phone(phone["number"])
    loans = []
    for lv in view.loans:
        loan = asdict(lv.loan)
        loan["debit_card"] = pii.mask_card(lv.loan.debit_card)
        loans.append(
            {
                "loan": loan,
                "vehicle": asdict(lv.vehicle) if lv.vehicle else None,
                "dpd": lv.dpd,
                "bucket": lv.bucket,
                "outstanding_principal": lv.outstanding_principal,
                "next_due": asdict(lv.next_due) if lv.next_due else None,
                "next_due_amount": lv.next_due_amount,
                "overdue_amount": lv.overdue_amount,
                "payoff": asdict(lv.payoff),
            }
        )
    callbacks = [asdict(cb) | {"number": pii.mask_phone(cb.number)} for cb in view.callbacks]
    return {
        "as_of": view.as_of.isoformat(),
        "borrower": borrower,
        "worst_bucket": view.worst_bucket,
        "loans": loans,
        "payments": [asdict(p) for p in view.payments],
        "promises": [asdict(p) for p in view.promises],
        "escalations": [asdict(e) for e in view.escalations],
        "callbacks": callbacks,
        "interactions": {"total": view.interaction_count, "newest": [asdict(i) for i in recent]},
    }


def print_hits(hits: list[LookupHit]) -> None:
    console = Console()
    if not hits:
        console.print(Text("未找到 / no match"))
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for header, fixed in _HIT_COLUMNS:
        table.add_column(header, no_wrap=fixed)
    for hit in hits:
        values = (hit.borrower_id, hit.name, hit.masked_id_no, hit.masked_phone, hit.city)
        table.add_row(*map(t, values), t(hit.matched_by), t(hit.worst_bucket))
    console.print(table)


_HIT_COLUMNS = (
    ("ID", True),
    ("姓名", False),
    ("证件号 ID no.", True),
    ("电话 Phone", True),
    ("城市", False),
    ("匹配 by", True),
    ("逾期", True),
)


def print_view(data: dict[str, Any]) -> None:
    """A compact text rendering of :func:`view_as_data` (already masked)."""
    console = Console()
    b = data["borrower"]
    head = Text.assemble(
        t(b["name"], "bold"), "  ", t(b["id_no"]), "  ", t(data["worst_bucket"], "bold red")
    )
    if b["flags"]:
        head.append_text(t("  " + " ".join(b["flags"]), "yellow"))
    console.print(head)
    phones = ", ".join(f"{p['number']} ({p['kind']})" for p in b["phones"])
    address = b["address"] or {}
    place = "".join(address.get(k, "") for k in ("province", "city", "district", "line"))
    console.print(t(f"电话 {phones}"))
    console.print(t(f"地址 {place}"))
    console.print(t(f"单位 {b['employer']}  风险 {b['risk_grade']}"))
    for lv in data["loans"]:
        loan, nxt = lv["loan"], lv["next_due"]
        plate = lv["vehicle"]["plate"] if lv["vehicle"] else "—"
        console.print(
            t(f"合同 {loan['contract_no']}  车辆 {plate}  {lv['bucket']} (DPD {lv['dpd']})", "bold")
        )
        due = f"{nxt['due_date']} {format_fen(lv['next_due_amount'])}" if nxt else "—"
        console.print(
            t(
                f"  剩余本金 {format_fen(lv['outstanding_principal'])}  下期 {due}  "
                f"逾期 {format_fen(lv['overdue_amount'])}  结清 {format_fen(lv['payoff']['total'])}"
            )
        )
    contacts = data["interactions"]
    console.print(t(f"联系记录 Interactions: {contacts['total']}"))
    for item in contacts["newest"]:
        line = f"{item['started_at']}  {item['channel']:<8} {item['disposition']}  {item['notes']}"
        console.print(t(line), overflow="ellipsis", no_wrap=True)


def print_stats(path: Path, stats: dict[str, Any]) -> None:
    console = Console()
    table = Table("实体 Entity", "行数 Rows")
    for entity, count in stats["entities"].items():
        table.add_row(t(entity), f"{count:,}")
    console.print(table)
    size = path.stat().st_size if path.exists() else 0
    console.print(t(f"cursor {stats['cursor']}  ·  {path}  ·  {size / 1e6:.1f} MB"))

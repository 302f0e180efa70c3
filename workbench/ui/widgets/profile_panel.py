"""Profile and vehicle: the facts an agent checks while greeting the caller."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from workbench.domain.models import Phone, Vehicle
from workbench.domain.pii import mask_phone
from workbench.store.queries import BorrowerView
from workbench.ui.format import age_on, label, safe
from workbench.ui.i18n import t

MUTED = "$text-muted"


def field(name: str, *values: Content | str | tuple[str, str]) -> Content:
    """``name`` dimmed, then the values: one labelled line."""
    return Content.assemble((f"{name} ", MUTED), *values)


class ProfilePanel(VerticalScroll):
    """The borrower's profile, then each vehicle financed by their loans."""

    def __init__(self, view: BorrowerView, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = view

    def compose(self) -> ComposeResult:
        yield Static(Content("\n").join(self._profile_lines()), id="profile-text")
        vehicles = _vehicles(self.view)
        if vehicles:
            yield Static(t("section.vehicle"), classes="subsection")
            lines = [line for vehicle in vehicles for line in _vehicle_lines(vehicle, self.view)]
            yield Static(Content("\n").join(lines), id="vehicle-text")

    def on_mount(self) -> None:
        self.border_title = t("section.profile")

    def _profile_lines(self) -> list[Content]:
        borrower = self.view.borrower
        age = age_on(borrower.birth_date, self.view.as_of)
        lines = [
            Content.assemble(
                field(t("profile.gender"), label("gender", borrower.gender)),
                "   ",
                field(t("profile.age"), "—" if age is None else t("profile.age_value", age=age)),
                "   ",
                field(t("profile.risk"), (safe(borrower.risk_grade).plain, "bold")),
            )
        ]
        lines += [self._phone_line(i, phone) for i, phone in enumerate(borrower.phones)]
        address = borrower.address
        parts = (address.province, address.city, address.district, address.line)
        where = " ".join(part for part in parts if part)
        lines.append(field(t("profile.address"), safe(where)))
        lines.append(field(t("profile.employer"), safe(borrower.employer)))
        return lines

    def _phone_line(self, index: int, phone: Phone) -> Content:
        name = t("profile.phones") if index == 0 else " " * cell_len(t("profile.phones"))
        parts: list[Content | str | tuple[str, str]] = [
            mask_phone(phone.number),
            (f" {label('phone_kind', phone.kind)}", MUTED),
        ]
        if phone.do_not_call:
            parts.append((f" {t('phone.dnc')} ", "bold $error-darken-1 on $error 20%"))
        if not phone.consent:
            parts.append((f" {t('phone.no_consent')} ", "$warning"))
        return Content.assemble((f"{name} ", MUTED), *parts)


def _vehicles(view: BorrowerView) -> list[Vehicle]:
    seen: dict[str, Vehicle] = {}
    for loan in view.loans:
        if loan.vehicle is not None:
            seen.setdefault(loan.vehicle.id, loan.vehicle)
    return list(seen.values())


def _vehicle_lines(vehicle: Vehicle, view: BorrowerView) -> list[Content]:
    model = " ".join((safe(vehicle.brand).plain, safe(vehicle.model).plain, str(vehicle.year)))
    gps = t("gps.yes") if vehicle.gps_installed else t("gps.no")
    expiry_style = "$error" if vehicle.insurance_expiry < view.as_of.isoformat() else ""
    return [
        Content.assemble((safe(vehicle.plate).plain, "bold"), "  ", model),
        field(t("vehicle.vin"), safe(vehicle.vin), "  ", (f"GPS {gps}", MUTED)),
        field(
            t("vehicle.lien"),
            label("lien", vehicle.lien_status),
            "  ",
            (f"{t('vehicle.insurance')} ", MUTED),
            (safe(vehicle.insurance_expiry).plain, expiry_style),
        ),
    ]
